/**
 * What the proxy decides about a request before and after a provider is
 * called, beside routing and resilience: who the caller is (proxy token or
 * client key, 401 otherwise), which tenant it counts for, whether its key may
 * use the model (403) and has requests, tokens and budget left (429), whether
 * the answer comes from the tenant's response cache, and what the answer cost.
 * The handler calls it at a few points; the decisions are in pkg/llm/keys,
 * pkg/llm/response-cache and pkg/llm/pricing.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { MemoryStore, RedisStore, StoreCache, isValidName, validateTtlPolicy } from '#pkg/kv/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import { fromAnthropicResponse, fromOpenAIResponse, LlmError, type Dialect, type Response, type Route, type Usage } from '#pkg/llm/index.ts';
import { KeyGate, MemoryLedger, RedisLedger, type Caller, type Ledger } from '#pkg/llm/keys/index.ts';
import { CostMetrics } from '#pkg/llm/pricing/index.ts';
import { ResponseCache, RESPONSE_SCOPE, responseEvents, responseFromSse, type CachePlan, type CacheStatus } from '#pkg/llm/response-cache/index.ts';
import { callerKey } from './caller-auth.ts';
import type { GovernanceConfig } from './config.ts';
import type { DialectAdapter } from './dialect.ts';
import type { StreamTap } from './relay.ts';
import { SSE_HEADERS } from './sse.ts';

/** The header an app sets to name the tenant a request counts for (a client key's tenant wins over it). */
const TENANT_HEADER = 'x-pilotfish-tenant';
/** Largest relayed stream kept for the cache; a longer one is served but not kept. */
const MAX_RECORDED_BYTES = 1024 * 1024;

/** One request's standing: its caller, tenant, and the cache lookup it makes. */
export interface Ticket {
  caller: Caller;
  /** The key's tenant, else the validated `x-pilotfish-tenant`; undefined: none named. */
  tenant: string | undefined;
  plan?: CachePlan;
}

export interface GovernanceParts {
  gate: KeyGate;
  cache: ResponseCache;
  costs: CostMetrics;
  /** Closes what the parts hold (the Redis connection). */
  close?: () => Promise<void>;
  /** Resolves once the backend is connected, or after `timeoutMs` (it goes on without). */
  ready?: (timeoutMs: number) => Promise<void>;
}

export class Governance {
  readonly #gate: KeyGate;
  readonly #cache: ResponseCache;
  readonly #costs: CostMetrics;
  readonly #close?: () => Promise<void>;
  readonly #ready?: (timeoutMs: number) => Promise<void>;

  constructor(parts: GovernanceParts) {
    this.#gate = parts.gate;
    this.#cache = parts.cache;
    this.#costs = parts.costs;
    this.#close = parts.close;
    this.#ready = parts.ready;
  }

  /**
   * Waits up to `timeoutMs` for the cache and counters' backend, so that limits count from the first request (one
   * arriving while Redis is still connecting would pass unlimited and uncached); a down Redis does not hold the start.
   */
  async ready(timeoutMs = 3000): Promise<void> {
    await this.#ready?.(timeoutMs).catch(() => undefined);
  }

  get gate(): KeyGate {
    return this.#gate;
  }

  /** Whether the caller's key (or token) lets it in at all; false: 401. */
  allowed(headers: IncomingHttpHeaders): boolean {
    const ok = this.#gate.identify(callerKey(headers)) !== undefined;
    if (!ok) this.#costs.rejected('none', 'unknown_key');
    return ok;
  }

  /**
   * The request's ticket, or a refusal thrown as an LlmError: 401 (no valid key), 400 (a malformed tenant header),
   * 403 (a model the key may not use), 429 (rpm, tpm, or the monthly budget: then also `x-should-retry: false`, as
   * waiting minutes cannot help).
   */
  async admit(headers: IncomingHttpHeaders, res: ServerResponse, asked: string, route: Route): Promise<Ticket> {
    const caller = this.#gate.identify(callerKey(headers));
    if (caller === undefined) throw new LlmError('invalid_request', 'send a client key (LLM_PROXY_KEYS) or the proxy\'s token as your API key', { code: 'invalid_api_key' });
    let tenant: string | undefined;
    if (caller.kind === 'key') {
      tenant = caller.entry.tenant;
    } else {
      const h = headers[TENANT_HEADER];
      if (typeof h === 'string') {
        if (!isValidName(h)) throw new LlmError('invalid_request', `${TENANT_HEADER} must match [A-Za-z0-9._-]{1,64}`, { param: TENANT_HEADER });
        tenant = h;
      }
    }
    const first = route.candidates[0];
    if (!this.#gate.mayUse(caller, [asked, first.model, `${first.provider}/${first.model}`])) {
      this.#costs.rejected(tenant ?? 'none', 'model');
      throw new LlmError('auth', `this key may not use model "${asked}"`, { code: 'model_not_allowed', param: 'model' });
    }
    const v = await this.#gate.admit(caller);
    if (!v.ok) {
      this.#costs.rejected(tenant ?? 'none', v.reason);
      if (v.reason === 'budget') {
        res.setHeader('x-should-retry', 'false');
        throw new LlmError('rate_limit', `this key's monthly budget is spent; it renews on the 1st of next month (UTC)`, { code: 'budget_exceeded', retryAfterMs: v.retryAfterMs });
      }
      const what = v.reason === 'rpm' ? 'requests' : 'tokens';
      throw new LlmError('rate_limit', `this key's ${what} per minute are spent; retry after ${Math.ceil(v.retryAfterMs / 1000)} s`, { code: `${v.reason}_exceeded`, retryAfterMs: v.retryAfterMs });
    }
    return { caller, tenant };
  }

  /**
   * Looks the request up in its tenant's cache when it opted in (sets `x-cache`); returns the kept answer on a hit.
   * A malformed `x-pilotfish-cache` is a 400 (thrown).
   */
  async lookup(t: Ticket, d: Dialect, route: Route, body: Record<string, unknown>, headers: IncomingHttpHeaders, res: ServerResponse): Promise<Response | undefined> {
    const first = route.candidates[0];
    const header = headers['x-pilotfish-cache'];
    const cc = headers['cache-control'];
    const plan = this.#cache.plan({
      tenant: t.tenant, dialect: d, provider: first.provider, model: first.model, asked: typeof body.model === 'string' ? body.model : first.model, body,
      header: typeof header === 'string' ? header : undefined, cacheControl: typeof cc === 'string' ? cc : undefined,
    });
    let status: CacheStatus = 'bypass';
    let hit: Response | undefined;
    if (plan) {
      const r = await this.#cache.lookup(plan);
      status = r.status;
      if (r.status === 'hit') hit = r.response;
      if (r.status === 'miss') t.plan = plan;
    }
    res.setHeader('x-cache', status);
    return hit;
  }

  /** Counts an answer's tokens and cost for its tenant and key; a cached answer cost nothing. */
  settle(t: Ticket | undefined, provider: string, model: string, usage: Usage | undefined, span?: Span): void {
    if (!t || !usage) return;
    const usd = this.#costs.record(t.tenant ?? 'none', provider, model, usage);
    this.#gate.record(t.caller, usage, usd);
    if (span?.isRecording()) {
      if (t.tenant) span.setAttribute('pilotfish.tenant', t.tenant);
      if (usd !== undefined) span.setAttribute('pilotfish.llm.cost_usd', usd);
    }
  }

  /** Keeps a complete answer for the request's plan (a miss that opted in). */
  keep(t: Ticket | undefined, response: Response): void {
    if (t?.plan) this.#cache.store(t.plan, response);
  }

  /** Keeps a raw same-dialect JSON answer. */
  keepJson(t: Ticket | undefined, d: Dialect, provider: string, status: number, json: unknown): void {
    if (!t?.plan || status !== 200) return;
    try {
      this.keep(t, d === 'openai' ? fromOpenAIResponse(json, provider) : fromAnthropicResponse(json, provider));
    } catch { /* not an answer the canonical model reads: not kept */ }
  }

  /** A relayed stream's tap that also keeps what it passes on, when the request will keep its answer. */
  recording(t: Ticket | undefined, tap: StreamTap): StreamTap {
    return t?.plan ? new RecordingTap(tap) : tap;
  }

  /** Keeps a relayed stream that ended well (`outcome` success). */
  keepRecorded(t: Ticket | undefined, d: Dialect, tap: StreamTap, outcome: string, usage: Usage | undefined): void {
    if (!t?.plan || outcome !== 'success' || !(tap instanceof RecordingTap) || tap.overflow) return;
    const response = responseFromSse(d, tap.text(), usage);
    if (response) this.keep(t, response);
  }

  /** Answers from the cache: the kept answer in the caller's dialect, whole or as a well-formed stream. */
  replay(res: ServerResponse, d: DialectAdapter, response: Response, stream: boolean, includeUsage: boolean, headers: Record<string, string>): void {
    const model = response.model;
    if (!stream) {
      const payload = JSON.stringify(d.response(response, model));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
      res.end(payload);
      return;
    }
    const enc = d.encoder(model, includeUsage);
    let out = '';
    for (const ev of responseEvents(response)) out += enc.encode(ev);
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    res.end(out);
  }

  close(): Promise<void> {
    return this.#close?.() ?? Promise.resolve();
  }
}

/** A StreamTap that passes everything on and keeps a copy of the frames it let through (up to 1 MiB). */
class RecordingTap implements StreamTap {
  readonly #inner: StreamTap;
  readonly #parts: Buffer[] = [];
  #bytes = 0;
  overflow = false;

  constructor(inner: StreamTap) {
    this.#inner = inner;
  }

  #keep(b: Buffer): Buffer {
    if (!this.overflow && b.length) {
      this.#bytes += b.length;
      if (this.#bytes > MAX_RECORDED_BYTES) { this.overflow = true; this.#parts.length = 0; } else this.#parts.push(b);
    }
    return b;
  }

  push(chunk: Buffer): Buffer { return this.#keep(this.#inner.push(chunk)); }
  flush(): Buffer { return this.#keep(this.#inner.flush()); }
  get done(): boolean { return this.#inner.done; }
  get failed(): boolean { return this.#inner.failed; }
  get malformed(): boolean { return this.#inner.malformed; }
  get usage(): Usage | undefined { return this.#inner.usage; }
  text(): string { return Buffer.concat(this.#parts).toString('utf8'); }
}

export interface GovernanceOptions {
  /** `LLM_PROXY_TOKEN`: trusted callers without limits. */
  callerTokens?: readonly string[];
  /** The clock key windows are read from (tests). Default Date.now. */
  now?: () => number;
  logger?: Logger;
}

/** Builds the parts from configuration: Redis when `REDIS_URL` is set (one connection for cache and counters), else memory. */
export function createGovernance(config: GovernanceConfig, metrics: Metrics, options: GovernanceOptions = {}): Governance {
  const policy = validateTtlPolicy({ default: { ttl: '5m', min: '1s', max: config.cacheMaxTtlMs }, scopes: { [RESPONSE_SCOPE]: { ttl: '5m', min: '1s', max: config.cacheMaxTtlMs } } });
  let ledger: Ledger;
  let store: RedisStore | MemoryStore;
  if (config.redisUrl) {
    // 250 ms, not the sidecar's 100: a lookup sits in front of an answer that takes hundreds of ms or seconds, and a
    // first command on a busy node must not read as an outage. A disconnected Redis still fails at once (no offline queue).
    const redis = new RedisStore({ url: config.redisUrl, logger: options.logger, commandTimeoutMs: 250 });
    store = redis;
    ledger = new RedisLedger(redis.client);
  } else {
    store = new MemoryStore({ maxBytes: config.cacheMaxBytes });
    ledger = new MemoryLedger();
  }
  const cache = new StoreCache(store, { policy, maxValueBytes: 4 * 1024 * 1024 });
  let warned = 0;
  const gate = new KeyGate({
    keys: config.keys, tokens: options.callerTokens, ledger, now: options.now,
    // Limits are not enforced while Redis is down (the answer matters more than the count); said once a minute.
    onLedgerError: (err) => {
      const now = Date.now();
      if (now - warned < 60_000) return;
      warned = now;
      options.logger?.warn({ err: (err as Error).message }, 'llm key limits: the ledger is unavailable, requests pass unlimited');
    },
  });
  return new Governance({
    gate, cache: new ResponseCache(cache, { rules: config.cacheRules, sampled: config.cacheSampled, metrics }),
    // The ledger writes its last counts before the connection closes.
    costs: new CostMetrics(metrics, config.prices), close: async () => { await ledger.close(); await cache.close(); },
    ready: (ms) => (store instanceof RedisStore ? store.waitReady(ms) : Promise.resolve()),
  });
}
