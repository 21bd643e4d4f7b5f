/**
 * The tenant-scoped response cache over pkg/kv: each tenant's answers live in
 * its own namespace (`{tenantKey: <tenant>, scope: 'llm.response'}`), so one
 * tenant never reads another's, whatever the prompt. A backend that is down
 * or slow answers `unavailable` and the request goes on uncached.
 */
import type { Cache, JsonValue } from '#pkg/kv/index.ts';
import type { Dialect, Response } from '../canonical.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import { responseCacheKey } from './cache-key.ts';
import { cacheDirective, type CacheRule } from './directive.ts';

export const RESPONSE_SCOPE = 'llm.response';
/** The tenant of a request that names none (no client key, no `x-pilotfish-tenant`). */
const DEFAULT_TENANT = 'default';

export type CacheStatus = 'hit' | 'miss' | 'bypass' | 'unavailable';

/** A request the cache looks up, and keeps the answer of on a miss. */
export interface CachePlan {
  tenant: string;
  key: string;
  ttlMs: number;
}

export interface PlanInput {
  tenant: string | undefined;
  dialect: Dialect;
  provider: string;
  /** The model routing chose. */
  model: string;
  /** The model as the caller asked. */
  asked: string;
  body: Record<string, unknown>;
  header?: string;
  cacheControl?: string;
}

export interface ResponseCacheOptions {
  rules?: readonly CacheRule[];
  /** `LLM_CACHE_SAMPLED`: whether a per-request opt-in may cache answers sampled above temperature 0. Default false. */
  sampled?: boolean;
  metrics?: Metrics;
}

interface Kept { v: 1; response: Response }

export class ResponseCache {
  readonly #cache: Cache;
  readonly #rules: readonly CacheRule[];
  readonly #sampled: boolean;
  readonly #results?: { inc(labels: { result: string }, n?: number): void };

  constructor(cache: Cache, options: ResponseCacheOptions = {}) {
    this.#cache = cache;
    this.#rules = options.rules ?? [];
    this.#sampled = options.sampled ?? false;
    this.#results = options.metrics?.counter({
      name: 'llm_response_cache_total', help: 'Chat requests by response-cache result (hit, miss, bypass, unavailable, stored, store_failed).',
      labelNames: ['result'] as const, otel: { name: 'pilotfish.llm.response_cache', unit: '{request}' },
    });
  }

  get backend(): string {
    return this.#cache.backend;
  }

  /** The lookup for a request, or undefined when it bypasses the cache. Throws a 400 LlmError for a malformed `x-pilotfish-cache`. */
  plan(input: PlanInput): CachePlan | undefined {
    const d = cacheDirective({ header: input.header, cacheControl: input.cacheControl, models: [input.asked, input.model], body: input.body }, this.#rules, this.#sampled);
    if (!d.use) { this.#count('bypass'); return undefined; }
    return {
      tenant: input.tenant ?? DEFAULT_TENANT,
      key: responseCacheKey({ dialect: input.dialect, provider: input.provider, model: input.model, body: input.body }),
      ttlMs: d.ttlSeconds * 1000,
    };
  }

  async lookup(plan: CachePlan): Promise<{ status: 'hit'; response: Response } | { status: 'miss' | 'unavailable' }> {
    const r = await this.#cache.get<Kept>({ tenantKey: plan.tenant, scope: RESPONSE_SCOPE }, plan.key);
    if (r.status === 'hit' && r.value?.v === 1 && Array.isArray(r.value.response?.content)) { this.#count('hit'); return { status: 'hit', response: r.value.response }; }
    const status = r.status === 'unavailable' ? 'unavailable' : 'miss';
    this.#count(status);
    return { status };
  }

  /** Keeps a complete answer (in the background: the caller already has it). Failed, cut or degraded answers never come here. */
  store(plan: CachePlan, response: Response): void {
    if (response.stopReason === 'error') return;
    const { headers: _headers, ...kept } = response;
    const value = { v: 1, response: kept } as unknown as JsonValue;
    this.#cache.set({ tenantKey: plan.tenant, scope: RESPONSE_SCOPE }, plan.key, value, plan.ttlMs)
      .then((r) => this.#count(r.status === 'ok' ? 'stored' : 'store_failed'), () => this.#count('store_failed'));
  }

  close(): Promise<void> {
    return this.#cache.close();
  }

  #count(result: string): void {
    this.#results?.inc({ result });
  }
}
