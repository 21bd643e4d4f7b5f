/**
 * The `memory` backend: an LRU bounded by bytes with per-entry TTLs, in this
 * process. Nothing is shared between pods and nothing survives a restart; it
 * is for development, tests and single-replica deployments.
 */
import { LRUCache } from 'lru-cache';
import { CacheError } from './errors.ts';
import { encodeKey, tenantPrefix, validateKey, validateNamespace, validateTenant } from './keys.ts';
import { parseStoredInteger } from './integer.ts';
import { validateBatch, validateStoreTtl, validateMsetItems, validateTxOps } from './validate.ts';
import type { CacheStore, Namespace, OpOptions, RawEntry, RawItem, TxOp, TxResult } from './types.ts';

export interface MemoryStoreOptions {
  /** Upper bound of the memory held by entries, in bytes (UTF-16 size of key and value plus 64 bytes each). Default 64 MiB. */
  maxBytes?: number;
  /** Key prefix, as for the shared backends (it keeps stored keys identical everywhere). Default `pilotfish`. */
  prefix?: string;
  /** Monotonic clock in ms, for tests. Default `performance`. */
  clock?: { now(): number };
}

const ENTRY_OVERHEAD = 64;
const sizeOf = (key: string, json: string) => (key.length + json.length) * 2 + ENTRY_OVERHEAD;

/** What the transaction sees of a key while staging: a value with its deadline (undefined: none), or deleted. */
interface Staged {
  json: string | undefined;
  /** Remaining TTL in ms at staging time; 0 = no expiry. */
  ttlMs: number;
}

export class MemoryStore implements CacheStore {
  readonly backend = 'memory' as const;
  readonly prefix: string;
  readonly maxBytes: number;
  readonly #lru: LRUCache<string, string>;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.prefix = options.prefix ?? 'pilotfish';
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#lru = new LRUCache<string, string>({
      maxSize: this.maxBytes,
      sizeCalculation: (value, key) => sizeOf(key, value),
      ttlAutopurge: false,
      allowStale: false,
      updateAgeOnGet: false,
      // Read the clock on every check: a cached "now" would report TTLs longer than were set.
      ttlResolution: 0,
      ...(options.clock ? { perf: options.clock } : {}),
    });
  }

  /** Entries and bytes held now (expired entries not yet evicted included). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.#lru.size, bytes: this.#lru.calculatedSize };
  }

  #check(options: OpOptions | undefined): void {
    if (this.#closed) throw new CacheError('unavailable', 'memory store is closed');
    if (options?.signal?.aborted) throw new CacheError('unavailable', 'operation aborted');
  }

  #entry(stored: string): RawEntry | null {
    const json = this.#lru.get(stored);
    if (json === undefined) return null;
    const remaining = this.#lru.getRemainingTTL(stored);
    return { json, ttlMs: remaining === Infinity ? -1 : Math.max(1, Math.round(remaining)) };
  }

  #fits(stored: string, json: string): void {
    if (sizeOf(stored, json) > this.maxBytes) throw new CacheError('too_large', `entry exceeds the memory store's ${this.maxBytes} bytes`);
  }

  async get(ns: Namespace, key: string, options?: OpOptions): Promise<RawEntry | null> {
    validateNamespace(ns);
    validateKey(key);
    this.#check(options);
    return this.#entry(encodeKey(this.prefix, ns, key));
  }

  async set(ns: Namespace, key: string, json: string, ttlMs: number, options?: OpOptions): Promise<void> {
    validateNamespace(ns);
    validateKey(key);
    validateStoreTtl(ttlMs);
    this.#check(options);
    const stored = encodeKey(this.prefix, ns, key);
    this.#fits(stored, json);
    this.#lru.set(stored, json, { ttl: ttlMs });
  }

  async del(ns: Namespace, key: string, options?: OpOptions): Promise<number> {
    validateNamespace(ns);
    validateKey(key);
    this.#check(options);
    const stored = encodeKey(this.prefix, ns, key);
    return this.#lru.has(stored) && this.#lru.delete(stored) ? 1 : 0;
  }

  async mget(ns: Namespace, keys: string[], options?: OpOptions): Promise<(RawEntry | null)[]> {
    validateNamespace(ns);
    validateBatch(keys.length);
    for (const key of keys) validateKey(key);
    this.#check(options);
    return keys.map((key) => this.#entry(encodeKey(this.prefix, ns, key)));
  }

  async mset(ns: Namespace, items: RawItem[], options?: OpOptions): Promise<void> {
    validateMsetItems(ns, items);
    for (const item of items) this.#fits(encodeKey(this.prefix, ns, item.key), item.json);
    this.#check(options);
    for (const item of items) this.#lru.set(encodeKey(this.prefix, ns, item.key), item.json, { ttl: item.ttlMs });
  }

  async transaction(tenantKey: string, ops: TxOp[], options?: OpOptions): Promise<TxResult[]> {
    validateTenant(tenantKey);
    validateTxOps(ops);
    this.#check(options);
    const head = tenantPrefix(this.prefix, tenantKey);
    // Stage every op against an overlay first: an error leaves the store untouched.
    const overlay = new Map<string, Staged>();
    const read = (stored: string): Staged => {
      const staged = overlay.get(stored);
      if (staged) return staged;
      const json = this.#lru.get(stored);
      if (json === undefined) return { json: undefined, ttlMs: 0 };
      const remaining = this.#lru.getRemainingTTL(stored);
      return { json, ttlMs: remaining === Infinity ? 0 : Math.max(1, Math.round(remaining)) };
    };
    const results: TxResult[] = [];
    ops.forEach((op, index) => {
      const stored = `${head}${op.scope}:${op.key}`;
      const cur = read(stored);
      switch (op.op) {
        case 'get':
          results.push(cur.json === undefined ? null : { json: cur.json, ttlMs: cur.ttlMs === 0 ? -1 : cur.ttlMs });
          break;
        case 'set':
          this.#fits(stored, op.json);
          overlay.set(stored, { json: op.json, ttlMs: op.ttlMs });
          results.push('OK');
          break;
        case 'del':
          overlay.set(stored, { json: undefined, ttlMs: 0 });
          results.push(cur.json === undefined ? 0 : 1);
          break;
        case 'incr': {
          const n = cur.json === undefined ? 0 : parseStoredInteger(cur.json);
          const next = n === undefined ? undefined : n + op.by;
          if (next === undefined || !Number.isSafeInteger(next)) {
            throw new CacheError('wrong_type', `transaction op ${index} (incr): value is not an integer or would overflow; nothing was applied`);
          }
          overlay.set(stored, { json: String(next), ttlMs: cur.ttlMs });
          results.push(next);
          break;
        }
        case 'expire':
          if (cur.json !== undefined) overlay.set(stored, { json: cur.json, ttlMs: op.ttlMs });
          results.push(cur.json !== undefined);
          break;
      }
    });
    for (const [stored, staged] of overlay) {
      if (staged.json === undefined) this.#lru.delete(stored);
      else this.#lru.set(stored, staged.json, { ttl: staged.ttlMs });
    }
    return results;
  }

  async ping(options?: OpOptions): Promise<void> {
    this.#check(options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#lru.clear();
  }
}
