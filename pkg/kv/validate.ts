/** Argument checks shared by every backend: bad input is refused before anything is sent or changed. */
import { CacheError } from './errors.ts';
import { validateKey, validateNamespace, validateScope } from './keys.ts';
import { isSafeIncrement } from './integer.ts';
import type { Namespace, RawItem, TxOp } from './types.ts';

/** Most ops in one transaction or items in one batch. */
const MAX_BATCH = 1000;

export function validateBatch(n: number): void {
  if (n > MAX_BATCH) throw new CacheError('invalid_value', `a batch takes at most ${MAX_BATCH} items`);
}

/** A TTL handed to a store: a whole number of ms ≥ 1 (the policy has clamped it already). */
export function validateStoreTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new CacheError('invalid_ttl', 'ttl must be a whole number of milliseconds ≥ 1');
  }
}

/** Checks an `mset` batch before anything is written: namespace, size, and every item's key, TTL and value. */
export function validateMsetItems(ns: Namespace, items: RawItem[]): void {
  validateNamespace(ns);
  validateBatch(items.length);
  for (const item of items) {
    validateKey(item.key);
    validateStoreTtl(item.ttlMs);
    if (typeof item.json !== 'string') throw new CacheError('invalid_value', 'mset items need JSON text');
  }
}

/** Shape checks shared by every backend's `transaction`. */
export function validateTxOps(ops: TxOp[]): void {
  if (!Array.isArray(ops) || ops.length === 0) throw new CacheError('invalid_value', 'a transaction needs at least one op');
  if (ops.length > MAX_BATCH) throw new CacheError('invalid_value', `a transaction takes at most ${MAX_BATCH} ops`);
  ops.forEach((op, index) => {
    if (op === null || typeof op !== 'object') throw new CacheError('invalid_value', `transaction op ${index} must be an object`);
    validateScope(op.scope);
    validateKey(op.key);
    switch (op.op) {
      case 'get':
      case 'del':
        return;
      case 'set':
        if (typeof op.json !== 'string') throw new CacheError('invalid_value', `transaction op ${index} (set) needs a JSON value`);
        validateStoreTtl(op.ttlMs);
        return;
      case 'expire':
        validateStoreTtl(op.ttlMs);
        return;
      case 'incr':
        if (!isSafeIncrement(op.by)) throw new CacheError('invalid_value', `transaction op ${index} (incr): by must be an integer`);
        return;
      default:
        throw new CacheError('invalid_value', `transaction op ${index}: unknown op (use get, set, del, incr, expire)`);
    }
  });
}
