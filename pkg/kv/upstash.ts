/**
 * The `upstash` backend: @upstash/redis over Upstash's REST API.
 * - `get` is one `/pipeline` request (GET + PTTL), `mget` one `/pipeline`,
 *   `mset` one `/multi-exec` (all or none), `transaction` one EVALSHA of the
 *   validating script (all or nothing; EVAL once if the script is not cached).
 * - Every request gets a fresh `AbortSignal.timeout` through the client's
 *   signal factory; retries are bounded (default 0: a retried INCR could apply
 *   twice); telemetry headers are off.
 * - The token is registered with the log masker, and Upstash error messages,
 *   which quote commands with their values, are redacted before they become a
 *   CacheError.
 */
import { Redis } from '@upstash/redis';
import { secrets, type Logger } from '#pkg/log/index.ts';
import { CacheError } from './errors.ts';
import { DEFAULT_PREFIX, encodeKey, validateKey, validateNamespace, validatePrefix } from './keys.ts';
import { abortable, type BackendStatus } from './redis.ts';
import { TX_SCRIPT, txRefusal, txResultsOf, tenantTxScriptArgs } from './scripts.ts';
import { upstashError } from './upstash-errors.ts';
import { validateBatch, validateStoreTtl, validateMsetItems } from './validate.ts';
import type { CacheStore, Namespace, OpOptions, RawEntry, RawItem, TxOp, TxResult } from './types.ts';

export interface UpstashStoreOptions {
  /** `UPSTASH_REDIS_REST_URL`. Required. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`. Required; registered as a secret. */
  token: string;
  /** Key prefix. Default `pilotfish`. */
  prefix?: string;
  /** Timeout of each HTTP request in ms. Default 100. */
  timeoutMs?: number;
  /** Retries when the request itself fails (never on an HTTP error answer): 0 or 1. Default 0. */
  retries?: 0 | 1;
  /** Delay before the retry in ms. Default 20. */
  retryDelayMs?: number;
  /** State changes (reachable, unreachable) are logged here once per change. */
  logger?: Logger;
}

type Script = ReturnType<Redis['createScript']>;

export class UpstashStore implements CacheStore {
  readonly backend = 'upstash' as const;
  readonly prefix: string;
  readonly client: Redis;
  readonly #tx: Script;
  readonly #logger?: Logger;
  #status: BackendStatus = 'connecting';
  #closed = false;

  constructor(options: UpstashStoreOptions) {
    if (!options.url || !options.token) throw new CacheError('other', 'upstash needs both a REST URL and a token');
    secrets.add(options.token);
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    validatePrefix(this.prefix);
    this.#logger = options.logger;
    const timeoutMs = options.timeoutMs ?? 100;
    const retryDelayMs = options.retryDelayMs ?? 20;
    this.client = new Redis({
      url: options.url,
      token: options.token,
      enableTelemetry: false,
      // Our values are JSON text already: hand them through untouched.
      automaticDeserialization: false,
      // Explicit pipelines only: auto-pipelining may reorder a write and a read.
      enableAutoPipelining: false,
      // No `keepAlive`: it sets fetch's `keepalive` flag, a no-op in Node; Node's fetch reuses connections anyway.
      retry: { retries: options.retries ?? 0, backoff: () => retryDelayMs },
      // A factory, so each request gets its own fresh deadline (a fixed signal would fire once, for good).
      signal: () => AbortSignal.timeout(timeoutMs),
    });
    this.#tx = this.client.createScript(TX_SCRIPT);
  }

  /** `connected` after the last request succeeded, `down` after it failed as unavailable, `connecting` before any. */
  status(): BackendStatus {
    return this.#status;
  }

  #mark(next: BackendStatus, err?: CacheError): void {
    if (next === this.#status || this.#closed) return;
    this.#status = next;
    if (next === 'connected') this.#logger?.info({ backend: 'upstash' }, 'upstash reachable');
    else this.#logger?.warn({ backend: 'upstash', reason: err?.message }, 'upstash unreachable');
  }

  async #call<T>(run: () => Promise<T>, options: OpOptions | undefined): Promise<T> {
    if (this.#closed) throw new CacheError('unavailable', 'upstash store is closed');
    try {
      const promise = run();
      const value = await (options?.signal ? abortable(promise, options.signal) : promise);
      if (this.#status !== 'connected') this.#mark('connected');
      return value;
    } catch (err) {
      const mapped = upstashError(err);
      if (mapped.degraded) this.#mark('down', mapped);
      else if (this.#status !== 'connected') this.#mark('connected');
      throw mapped;
    }
  }

  async get(ns: Namespace, key: string, options?: OpOptions): Promise<RawEntry | null> {
    validateNamespace(ns);
    validateKey(key);
    const stored = encodeKey(this.prefix, ns, key);
    const [json, ttl] = await this.#call(() => this.client.pipeline().get<string>(stored).pttl(stored).exec<[string | null, number]>(), options);
    return entry(json, ttl);
  }

  async set(ns: Namespace, key: string, json: string, ttlMs: number, options?: OpOptions): Promise<void> {
    validateNamespace(ns);
    validateKey(key);
    validateStoreTtl(ttlMs);
    await this.#call(() => this.client.set(encodeKey(this.prefix, ns, key), json, { px: ttlMs }), options);
  }

  async del(ns: Namespace, key: string, options?: OpOptions): Promise<number> {
    validateNamespace(ns);
    validateKey(key);
    return this.#call(() => this.client.del(encodeKey(this.prefix, ns, key)), options);
  }

  async mget(ns: Namespace, keys: string[], options?: OpOptions): Promise<(RawEntry | null)[]> {
    validateNamespace(ns);
    validateBatch(keys.length);
    for (const key of keys) validateKey(key);
    if (keys.length === 0) return [];
    const replies = await this.#call(() => {
      const p = this.client.pipeline();
      for (const key of keys) {
        const stored = encodeKey(this.prefix, ns, key);
        p.get(stored).pttl(stored);
      }
      return p.exec<unknown[]>();
    }, options);
    return keys.map((_, i) => entry(replies[2 * i] as string | null, Number(replies[2 * i + 1])));
  }

  async mset(ns: Namespace, items: RawItem[], options?: OpOptions): Promise<void> {
    validateMsetItems(ns, items);
    if (items.length === 0) return;
    await this.#call(() => {
      const tx = this.client.multi();
      for (const item of items) tx.set(encodeKey(this.prefix, ns, item.key), item.json, { px: item.ttlMs });
      return tx.exec();
    }, options);
  }

  async transaction(tenantKey: string, ops: TxOp[], options?: OpOptions): Promise<TxResult[]> {
    const { keys, args } = tenantTxScriptArgs(this.prefix, tenantKey, ops);
    try {
      return txResultsOf(ops, await this.#call(() => this.#tx.exec(keys, args), options));
    } catch (err) {
      const cause = (err as CacheError).cause as Error | undefined;
      throw (cause && txRefusal(String(cause.message), ops)) ?? err;
    }
  }

  async ping(options?: OpOptions): Promise<void> {
    await this.#call(() => this.client.ping(), options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#status = 'down';
  }
}

function entry(json: string | null, ttl: number): RawEntry | null {
  if (json === null || json === undefined || ttl === -2) return null;
  return { json, ttlMs: ttl < 0 ? -1 : ttl };
}
