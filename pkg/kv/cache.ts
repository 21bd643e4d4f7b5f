/**
 * `StoreCache`: the app-facing Cache over any CacheStore (memory, redis,
 * upstash), in process. It applies the TTL policy, serialises values, records
 * the cache metrics, and turns backend outages into `unavailable` results.
 */
import { CacheError, backendFailure } from './errors.ts';
import { txResult } from './tx-result.ts';
import { validateKey, validateNamespace, validateTenant } from './keys.ts';
import { DEFAULT_TTL_POLICY, effectiveTtl, type TtlPolicy } from './ttl.ts';
import type { CacheMetrics, CacheOp } from './metrics.ts';
import type { CacheStore, JsonValue, RawItem, TxOp } from './types.ts';
import type {
  Cache, CacheTxOp, CallOptions, DelResult, GetResult, MgetItem, MgetResult, MsetItem, MsetResult, SetResult, TxResultSet, Unavailable,
} from './cache-types.ts';

export interface StoreCacheOptions {
  /** Default: the built-in policy (30 s within 1 s–1 h; knowledge.search 15 s within 5–30 s). */
  policy?: TtlPolicy;
  /** Records `cache_*` metrics when given. */
  metrics?: CacheMetrics;
  /** Largest value, in bytes of JSON. Default 1 MiB. */
  maxValueBytes?: number;
}

export class StoreCache implements Cache {
  readonly store: CacheStore;
  readonly policy: TtlPolicy;
  readonly maxValueBytes: number;
  readonly #metrics?: CacheMetrics;

  constructor(store: CacheStore, options: StoreCacheOptions = {}) {
    this.store = store;
    this.policy = options.policy ?? DEFAULT_TTL_POLICY;
    this.maxValueBytes = options.maxValueBytes ?? 1024 * 1024;
    this.#metrics = options.metrics;
  }

  get backend(): string {
    return this.store.backend;
  }

  /** Records a failure; returns `unavailable` for outages and unexpected failures (`uncached`), rethrows the rest. */
  #failed(op: CacheOp, scope: string, err: unknown): Unavailable {
    const error = backendFailure(err);
    const m = this.#metrics;
    if (m) {
      m.bound(op, this.store.backend, scope)[error.degraded ? 'unavailable' : 'error'].inc();
      m.error(op, error.kind, this.store.backend);
    }
    if (error.uncached) return { status: 'unavailable', error };
    throw error;
  }

  #json(value: JsonValue): string {
    const json = value === undefined ? undefined : JSON.stringify(value);
    if (json === undefined) throw new CacheError('invalid_value', 'value must be JSON-serialisable');
    if (json.length > this.maxValueBytes / 3 && Buffer.byteLength(json) > this.maxValueBytes) {
      throw new CacheError('too_large', `value exceeds ${this.maxValueBytes} bytes of JSON`);
    }
    return json;
  }

  #timed(op: CacheOp): () => void {
    const m = this.#metrics;
    if (!m) return noop;
    const t0 = performance.now();
    return () => m.durationOf(op, this.store.backend).observe((performance.now() - t0) / 1000);
  }

  async get<T = JsonValue>(ns: CallOptions, key: string): Promise<GetResult<T>> {
    validateNamespace(ns);
    validateKey(key);
    const done = this.#timed('get');
    try {
      const entry = await this.store.get(ns, key, ns.signal ? { signal: ns.signal } : undefined);
      done();
      const counters = this.#metrics?.bound('get', this.store.backend, ns.scope);
      if (entry === null) {
        counters?.miss.inc();
        return { status: 'miss' };
      }
      let value: T;
      try {
        value = JSON.parse(entry.json) as T;
      } catch {
        // Not written by us (or corrupted): as good as absent.
        counters?.error.inc();
        return { status: 'miss' };
      }
      counters?.hit.inc();
      return { status: 'hit', value, ttlMs: entry.ttlMs };
    } catch (err) {
      return this.#failed('get', ns.scope, err);
    }
  }

  async set(ns: CallOptions, key: string, value: JsonValue, ttlMs?: number): Promise<SetResult> {
    validateNamespace(ns);
    validateKey(key);
    const json = this.#json(value);
    const ttl = effectiveTtl(this.policy, ns.scope, ttlMs);
    const done = this.#timed('set');
    try {
      await this.store.set(ns, key, json, ttl, ns.signal ? { signal: ns.signal } : undefined);
      done();
      this.#metrics?.bound('set', this.store.backend, ns.scope).ok.inc();
      this.#metrics?.observeTtl(ns.scope, ttl);
      return { status: 'ok', ttlMs: ttl };
    } catch (err) {
      return this.#failed('set', ns.scope, err);
    }
  }

  async del(ns: CallOptions, key: string): Promise<DelResult> {
    validateNamespace(ns);
    validateKey(key);
    const done = this.#timed('del');
    try {
      const deleted = await this.store.del(ns, key, ns.signal ? { signal: ns.signal } : undefined);
      done();
      this.#metrics?.bound('del', this.store.backend, ns.scope).ok.inc();
      return { status: 'ok', deleted };
    } catch (err) {
      return this.#failed('del', ns.scope, err);
    }
  }

  async mget<T = JsonValue>(ns: CallOptions, keys: string[]): Promise<MgetResult<T>> {
    validateNamespace(ns);
    for (const key of keys) validateKey(key);
    const done = this.#timed('mget');
    try {
      const entries = await this.store.mget(ns, keys, ns.signal ? { signal: ns.signal } : undefined);
      done();
      let hits = 0;
      const items = entries.map((entry, i): MgetItem<T> => {
        if (entry !== null) {
          try {
            const value = JSON.parse(entry.json) as T;
            hits++;
            return { key: keys[i], hit: true, value, ttlMs: entry.ttlMs };
          } catch {
            // unreadable entry: a miss
          }
        }
        return { key: keys[i], hit: false };
      });
      const counters = this.#metrics?.bound('mget', this.store.backend, ns.scope);
      if (counters && hits) counters.hit.inc(hits);
      if (counters && keys.length - hits) counters.miss.inc(keys.length - hits);
      return { status: 'ok', items, hits };
    } catch (err) {
      return this.#failed('mget', ns.scope, err);
    }
  }

  async mset(ns: CallOptions, items: MsetItem[]): Promise<MsetResult> {
    validateNamespace(ns);
    const raw: RawItem[] = items.map((item) => {
      validateKey(item.key);
      return { key: item.key, json: this.#json(item.value), ttlMs: effectiveTtl(this.policy, ns.scope, item.ttlMs) };
    });
    const done = this.#timed('mset');
    try {
      await this.store.mset(ns, raw, ns.signal ? { signal: ns.signal } : undefined);
      done();
      if (this.#metrics) {
        this.#metrics.bound('mset', this.store.backend, ns.scope).ok.inc();
        for (const r of raw) this.#metrics.observeTtl(ns.scope, r.ttlMs);
      }
      return { status: 'ok', ttlMs: raw.map((r) => r.ttlMs) };
    } catch (err) {
      return this.#failed('mset', ns.scope, err);
    }
  }

  async transaction(tenantKey: string, ops: CacheTxOp[], options?: { signal?: AbortSignal }): Promise<TxResultSet> {
    validateTenant(tenantKey);
    if (!Array.isArray(ops)) throw new CacheError('invalid_value', 'ops must be an array');
    const storeOps = ops.map((op): TxOp => {
      switch (op?.op) {
        case 'set': return { op: 'set', scope: op.scope, key: op.key, json: this.#json(op.value), ttlMs: effectiveTtl(this.policy, op.scope, op.ttlMs) };
        case 'incr': return { op: 'incr', scope: op.scope, key: op.key, by: op.by ?? 1 };
        case 'expire': return { op: 'expire', scope: op.scope, key: op.key, ttlMs: effectiveTtl(this.policy, op.scope, op.ttlMs) };
        default: return op as TxOp;
      }
    });
    const done = this.#timed('tx');
    try {
      const results = await this.store.transaction(tenantKey, storeOps, options?.signal ? { signal: options.signal } : undefined);
      done();
      this.#metrics?.bound('tx', this.store.backend, '_tx').ok.inc();
      return { status: 'ok', results: results.map((r, i) => txResult(storeOps[i], r)) };
    } catch (err) {
      return this.#failed('tx', '_tx', err);
    }
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

const noop = (): void => {};
