/**
 * Pure validation of the data API's request bodies. Everything is checked
 * before the backend is called, so bad input changes nothing.
 */
import {
  CacheError, validateKey, validateScope, effectiveTtl, parseRequestedTtl,
  type RawItem, type TtlPolicy, type TxOp,
} from '#pkg/kv/index.ts';

export const MAX_BATCH_ITEMS = 1000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function batchArray(body: unknown, field: string): unknown[] {
  if (!isObject(body) || !Array.isArray(body[field])) {
    throw new CacheError('invalid_value', `body must be an object with a "${field}" array`, { code: 'invalid_body' });
  }
  const list = body[field] as unknown[];
  if (list.length === 0) throw new CacheError('invalid_value', `"${field}" must not be empty`, { code: 'invalid_body' });
  if (list.length > MAX_BATCH_ITEMS) {
    throw new CacheError('invalid_value', `"${field}" holds ${list.length} items; at most ${MAX_BATCH_ITEMS} per batch`, { code: 'batch_too_large' });
  }
  return list;
}

function at(field: string, i: number, err: unknown): never {
  if (err instanceof CacheError) throw new CacheError(err.kind, `${field}[${i}]: ${err.message}`, { code: err.code });
  throw err;
}

/** Serialises a value and checks its size; `undefined` (a missing value) is refused. */
export function valueJson(value: unknown, maxValueBytes: number): string {
  if (value === undefined) throw new CacheError('invalid_value', 'value is required', { code: 'invalid_body' });
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    // JSON.parse takes any depth; JSON.stringify recurses and runs out of stack on deep nesting.
    if (err instanceof RangeError) throw new CacheError('invalid_value', 'value is nested too deeply', { code: 'invalid_body' });
    throw err;
  }
  if (Buffer.byteLength(json) > maxValueBytes) throw new CacheError('too_large', `value exceeds ${maxValueBytes} bytes`, { code: 'payload_too_large' });
  return json;
}

export function parseMget(body: unknown): string[] {
  const keys = batchArray(body, 'keys');
  keys.forEach((key, i) => { try { validateKey(key); } catch (err) { at('keys', i, err); } });
  return keys as string[];
}

export function parseMset(body: unknown, policy: TtlPolicy, scope: string, maxValueBytes: number): RawItem[] {
  return batchArray(body, 'items').map((item, i) => {
    try {
      if (!isObject(item)) throw new CacheError('invalid_value', 'must be an object with key and value', { code: 'invalid_body' });
      validateKey(item.key);
      const ttlMs = effectiveTtl(policy, scope, parseRequestedTtl(item.ttl));
      return { key: item.key, json: valueJson(item.value, maxValueBytes), ttlMs };
    } catch (err) {
      return at('items', i, err);
    }
  });
}

const TX_OPS = new Set(['get', 'set', 'del', 'incr', 'expire']);

export function parseTx(body: unknown, policy: TtlPolicy, maxValueBytes: number): TxOp[] {
  return batchArray(body, 'ops').map((raw, i): TxOp => {
    try {
      if (!isObject(raw) || typeof raw.op !== 'string' || !TX_OPS.has(raw.op)) {
        throw new CacheError('invalid_value', 'op must be one of get, set, del, incr, expire', { code: 'invalid_op' });
      }
      validateScope(raw.scope);
      validateKey(raw.key);
      const scope = raw.scope;
      const key = raw.key;
      switch (raw.op) {
        case 'get': return { op: 'get', scope, key };
        case 'del': return { op: 'del', scope, key };
        case 'set': return { op: 'set', scope, key, json: valueJson(raw.value, maxValueBytes), ttlMs: effectiveTtl(policy, scope, parseRequestedTtl(raw.ttl)) };
        case 'incr': {
          const by = raw.by ?? 1;
          if (typeof by !== 'number' || !Number.isSafeInteger(by)) throw new CacheError('invalid_value', '"by" must be an integer', { code: 'invalid_op' });
          return { op: 'incr', scope, key, by };
        }
        default: {
          const requested = parseRequestedTtl(raw.ttl);
          if (requested === undefined) throw new CacheError('invalid_ttl', 'expire needs a ttl');
          return { op: 'expire', scope, key, ttlMs: effectiveTtl(policy, scope, requested) };
        }
      }
    } catch (err) {
      return at('ops', i, err);
    }
  });
}
