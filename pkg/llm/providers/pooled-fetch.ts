import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { KeptHeaders, sdkShortcuts } from './request-template.ts';

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
  /**
   * Answer with PooledResponse on undici's `request()` (true) or with undici's
   * own `fetch` on the same Agent (false: a real `Response`, public API only).
   * Default `LLM_SDK_SHORTCUTS` (on).
   */
  standInResponse?: boolean;
}

export interface PooledFetch {
  fetch: typeof fetch;
  /** The pooled Agent itself, for the raw pass-through (passthrough.ts) that needs no SDK. */
  dispatcher: Dispatcher;
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

type Body = Dispatcher.ResponseData['body'];

/** The part of a fetch Response the SDKs read, on prototype methods rather than closures per call. */
class PooledResponse {
  readonly status: number;
  readonly statusText = '';
  readonly ok: boolean;
  readonly url: string;
  readonly redirected = false;
  readonly headers: HeadersView;
  readonly body: Body;
  constructor(status: number, url: string, headers: RawHeaders, body: Body) {
    this.status = status;
    this.ok = status >= 200 && status < 300;
    this.url = url;
    this.headers = new HeadersView(headers);
    this.body = body;
  }
  get bodyUsed(): boolean { return this.body.bodyUsed; }
  json(): Promise<unknown> { return this.body.json(); }
  text(): Promise<string> { return this.body.text(); }
  arrayBuffer(): Promise<ArrayBuffer> { return this.body.arrayBuffer(); }
}

interface Target { origin: string; path: string; href: string }
const MAX_TARGETS = 64;

export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
    // undici's own 300 s header and body timeouts would cut a slow answer the caller's budget still allows
    // (up to LLM_MAX_TIMEOUT_MS): the proxy's attempt, deadline and idle timers own time.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  // The SDKs call a handful of URLs: parse each once.
  const targets = new Map<string, Target>();
  const target = (input: string | URL | Request): Target => {
    const key = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let t = targets.get(key);
    if (!t) {
      const url = new URL(key);
      t = { origin: url.origin, path: url.pathname + url.search, href: url.href };
      if (targets.size >= MAX_TARGETS) targets.clear();
      targets.set(key, t);
    }
    return t;
  };
  const pooled = async (input: string | URL | Request, init: RequestInit = {}) => {
    const t = target(input);
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('pooled fetch sends only string or byte bodies');
    }
    const h = init.headers as unknown;
    const res = await agent.request({
      origin: t.origin,
      path: t.path,
      method: (init.method ?? 'GET') as 'GET',
      headers: h instanceof KeptHeaders ? h.record : flattenHeaders(h),
      body: body ?? undefined,
      signal: init.signal ?? undefined,
    });
    return new PooledResponse(res.statusCode, t.href, res.headers as RawHeaders, res.body) as unknown as globalThis.Response;
  };
  if (!(options.standInResponse ?? sdkShortcuts().response)) {
    const viaFetch = (input: string | URL | Request, init: RequestInit = {}) =>
      undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent });
    return { fetch: viaFetch as unknown as typeof fetch, dispatcher: agent, close: () => agent.close() };
  }
  return { fetch: pooled as typeof fetch, dispatcher: agent, close: () => agent.close() };
}
