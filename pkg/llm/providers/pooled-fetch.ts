import { Agent } from 'undici';

/**
 * A `fetch` for the official SDKs built on one pooled undici Agent and its
 * `request()` API. Node's global fetch (WHATWG streams, Response objects,
 * per-call dispatcher lookups) costs several times a pooled `request()`; the
 * SDKs only need `status`, `ok`, `url`, `headers.get/entries`, `json()`,
 * `text()` and an async-iterable `body`, which this provides.
 */
export interface PooledFetchOptions {
  /** Sockets per upstream origin. Default 128. */
  connections?: number;
  /** Idle keep-alive of upstream sockets in ms. Default 30000. */
  keepAliveTimeoutMs?: number;
  /** Time to connect in ms. Default 10000. */
  connectTimeoutMs?: number;
}

export interface PooledFetch {
  fetch: typeof fetch;
  close(): Promise<void>;
}

type RawHeaders = Record<string, string | string[] | undefined>;

class HeadersView {
  #raw: RawHeaders;
  constructor(raw: RawHeaders) { this.#raw = raw; }
  get(name: string): string | null {
    const v = this.#raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean { return this.#raw[name.toLowerCase()] !== undefined; }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.#raw)) { const v = this.get(k); if (v !== null) yield [k, v]; }
  }
  [Symbol.iterator]() { return this.entries(); }
  forEach(fn: (value: string, key: string) => void): void { for (const [k, v] of this.entries()) fn(v, k); }
}

function flattenHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (typeof (h as Headers).forEach === 'function' && !Array.isArray(h)) (h as Headers).forEach((v, k) => { out[k] = v; });
  else if (Array.isArray(h)) for (const [k, v] of h as [string, string][]) out[k.toLowerCase()] = v;
  else for (const [k, v] of Object.entries(h as Record<string, string>)) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  return out;
}

export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
  });
  const pooled = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : new URL(input.url);
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('pooled fetch sends only string or byte bodies');
    }
    const res = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: (init.method ?? 'GET') as 'GET',
      headers: flattenHeaders(init.headers),
      body: body ?? undefined,
      signal: init.signal ?? undefined,
    });
    const b = res.body;
    return {
      status: res.statusCode,
      statusText: '',
      ok: res.statusCode >= 200 && res.statusCode < 300,
      url: url.href,
      redirected: false,
      headers: new HeadersView(res.headers as RawHeaders),
      body: b,
      get bodyUsed() { return b.bodyUsed; },
      json: () => b.json(),
      text: () => b.text(),
      arrayBuffer: () => b.arrayBuffer(),
    } as unknown as globalThis.Response;
  };
  return { fetch: pooled as typeof fetch, close: () => agent.close() };
}
