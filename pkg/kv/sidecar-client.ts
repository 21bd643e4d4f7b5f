/**
 * `SidecarCache`: the app-facing Cache over HTTP to the cache sidecar in the
 * same pod (keep-alive connections through an undici Pool). It reports per
 * call whether the cache answered `hit`, `miss` or was `unavailable`, so the
 * app can set its own `X-Cache` header; when the sidecar itself is down or
 * slow, calls answer `unavailable` within `timeoutMs` and never throw.
 */
import { Pool, type Dispatcher } from 'undici';
import { secrets } from '#pkg/log/index.ts';
import { CacheError, isCacheErrorKind, type CacheErrorKind } from './errors.ts';
import { validateKey, validateNamespace, validateTenant } from './keys.ts';
import type { JsonValue } from './types.ts';
import type {
  Cache, CacheTxOp, CacheTxResult, CallOptions, DelResult, GetResult, MgetItem, MgetResult, MsetItem, MsetResult, SetResult, TxResultSet, Unavailable,
} from './cache-types.ts';

export interface SidecarCacheOptions {
  /** The sidecar's data API. Default `http://127.0.0.1:7700`. */
  url?: string;
  /** `CACHE_SIDECAR_TOKEN`, when the sidecar demands one. Registered as a secret. */
  token?: string;
  /** Longest wait for an answer, in ms; then the call answers `unavailable`. Default 250 (the sidecar's own op timeout is 100). */
  timeoutMs?: number;
  /** Keep-alive connections to the sidecar. Default 16. */
  connections?: number;
}

export class SidecarCache implements Cache {
  readonly backend = 'sidecar';
  readonly #pool: Pool;
  readonly #headers: Record<string, string>;
  readonly #jsonHeaders: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: SidecarCacheOptions = {}) {
    const url = options.url ?? 'http://127.0.0.1:7700';
    this.#timeoutMs = options.timeoutMs ?? 250;
    this.#pool = new Pool(url, { connections: options.connections ?? 16, keepAliveTimeout: 30_000, pipelining: 1 });
    if (options.token) secrets.add(options.token);
    this.#headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.#jsonHeaders = { ...this.#headers, 'content-type': 'application/json' };
  }

  #request(method: Dispatcher.HttpMethod, path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    return this.#pool.request({
      method,
      path,
      body,
      headers: body === undefined ? this.#headers : this.#jsonHeaders,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      signal,
    });
  }

  /**
   * One call to the sidecar: `answer` reads a success (undefined for any
   * other status), anything else is the sidecar's failure, and a sidecar that
   * cannot be reached answers unavailable.
   */
  async #call<R>(
    method: Dispatcher.HttpMethod, path: string, body: string | undefined, signal: AbortSignal | undefined,
    answer: (res: Dispatcher.ResponseData) => Promise<R | undefined>,
  ): Promise<R | Unavailable> {
    try {
      const res = await this.#request(method, path, body, signal);
      return (await answer(res)) ?? (await this.#failure(res));
    } catch (err) {
      return unreachable(err);
    }
  }

  /** Non-2xx answers other than a miss: 503 → unavailable; 4xx → the sidecar's CacheError. */
  async #failure(res: Dispatcher.ResponseData): Promise<Unavailable> {
    if (res.statusCode === 503) {
      await res.body.dump();
      return { status: 'unavailable', error: new CacheError('unavailable', 'cache sidecar reports its backend unavailable') };
    }
    let code = 'other';
    let message = `cache sidecar answered ${res.statusCode}`;
    try {
      const body = (await res.body.json()) as { error?: { code?: string; message?: string } };
      code = body?.error?.code ?? code;
      message = body?.error?.message ?? message;
    } catch {
      // not JSON: keep the status
    }
    const error = new CacheError(kindOf(res.statusCode, code), message, { code });
    if (res.statusCode >= 500) return { status: 'unavailable', error };
    throw error;
  }

  async get<T = JsonValue>(ns: CallOptions, key: string): Promise<GetResult<T>> {
    validateNamespace(ns);
    validateKey(key);
    return this.#call('GET', itemPath(ns, key), undefined, ns.signal, async (res): Promise<GetResult<T> | undefined> => {
      if (res.statusCode === 200) {
        const value = (await res.body.json()) as T;
        return { status: 'hit', value, ttlMs: Number(res.headers['x-cache-ttl'] ?? -1) };
      }
      if (res.statusCode === 404 && res.headers['x-cache'] === 'miss') {
        await res.body.dump();
        return { status: 'miss' };
      }
      return undefined;
    });
  }

  async set(ns: CallOptions, key: string, value: JsonValue, ttlMs?: number): Promise<SetResult> {
    validateNamespace(ns);
    validateKey(key);
    const json = jsonOf(value);
    const path = ttlMs === undefined ? itemPath(ns, key) : `${itemPath(ns, key)}?ttl=${requestedTtl(ttlMs)}`;
    return this.#call('PUT', path, json, ns.signal, (res) => noContent(res, { status: 'ok', ttlMs: Number(res.headers['x-cache-ttl']) }));
  }

  async del(ns: CallOptions, key: string): Promise<DelResult> {
    validateNamespace(ns);
    validateKey(key);
    // The sidecar's DELETE answers 204 whether or not the key existed.
    return this.#call('DELETE', itemPath(ns, key), undefined, ns.signal, (res) => noContent(res, { status: 'ok' }));
  }

  async mget<T = JsonValue>(ns: CallOptions, keys: string[]): Promise<MgetResult<T>> {
    validateNamespace(ns);
    for (const key of keys) validateKey(key);
    if (keys.length === 0) return { status: 'ok', items: [], hits: 0 };
    return this.#call('POST', `${scopePath(ns)}/_mget`, JSON.stringify({ keys }), ns.signal, (res) =>
      okJson(res, (body: { items: MgetItem<T>[] }): MgetResult<T> => ({ status: 'ok', items: body.items, hits: body.items.filter((i) => i.hit).length })));
  }

  async mset(ns: CallOptions, items: MsetItem[]): Promise<MsetResult> {
    validateNamespace(ns);
    const wire = items.map((item) => {
      validateKey(item.key);
      jsonOf(item.value);
      return item.ttlMs === undefined ? { key: item.key, value: item.value } : { key: item.key, value: item.value, ttl: requestedTtl(item.ttlMs) };
    });
    if (wire.length === 0) return { status: 'ok', ttlMs: [] };
    return this.#call('POST', `${scopePath(ns)}/_mset`, JSON.stringify({ items: wire }), ns.signal, (res) => noContent(res, { status: 'ok' }));
  }

  async transaction(tenantKey: string, ops: CacheTxOp[], options?: { signal?: AbortSignal }): Promise<TxResultSet> {
    validateTenant(tenantKey);
    const wire = ops.map((op) => {
      validateKey(op.key);
      switch (op.op) {
        case 'set': return { op: 'set', scope: op.scope, key: op.key, value: op.value, ...(op.ttlMs === undefined ? {} : { ttl: requestedTtl(op.ttlMs) }) };
        case 'expire': return { op: 'expire', scope: op.scope, key: op.key, ttl: requestedTtl(op.ttlMs) };
        case 'incr': return { op: 'incr', scope: op.scope, key: op.key, by: op.by ?? 1 };
        default: return { op: op.op, scope: op.scope, key: op.key };
      }
    });
    return this.#call('POST', `/v1/cache/${tenantKey}/_tx`, JSON.stringify({ ops: wire }), options?.signal, (res) =>
      okJson(res, (body: { results: CacheTxResult[] }): TxResultSet => ({ status: 'ok', results: body.results })));
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/** A 200's result, read from its JSON body. */
async function okJson<B, R>(res: Dispatcher.ResponseData, read: (body: B) => R): Promise<R | undefined> {
  if (res.statusCode !== 200) return undefined;
  return read((await res.body.json()) as B);
}

/** A 204's result, once its (empty) body is read. */
async function noContent<R>(res: Dispatcher.ResponseData, result: R): Promise<R | undefined> {
  if (res.statusCode !== 204) return undefined;
  await res.body.dump();
  return result;
}

function itemPath(ns: CallOptions, key: string): string {
  return `/v1/cache/${ns.tenantKey}/${ns.scope}/${encodeURIComponent(key)}`;
}

function scopePath(ns: CallOptions): string {
  return `/v1/cache/${ns.tenantKey}/${ns.scope}`;
}

function jsonOf(value: JsonValue): string {
  const json = value === undefined ? undefined : JSON.stringify(value);
  if (json === undefined) throw new CacheError('invalid_value', 'value must be JSON-serialisable');
  return json;
}

function requestedTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 0) throw new CacheError('invalid_ttl', 'ttl must be a non-negative number of milliseconds');
  return Math.round(ttlMs);
}

function kindOf(status: number, code: string): CacheErrorKind {
  if (isCacheErrorKind(code)) return code;
  if (status === 413 || code === 'payload_too_large') return 'too_large';
  if (status === 409) return 'conflict';
  if (status === 400) return 'invalid_value';
  return 'other';
}

/** The sidecar could not be reached or did not answer in time: go on uncached. A CacheError thrown for bad input passes through. */
function unreachable(err: unknown): Unavailable {
  if (err instanceof CacheError && !err.degraded) throw err;
  const code = (err as { code?: string })?.code;
  const kind: CacheErrorKind = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? 'timeout' : 'unavailable';
  return { status: 'unavailable', error: new CacheError(kind, `cache sidecar unreachable (${code ?? (err as Error)?.name ?? 'error'})`, { cause: err }) };
}
