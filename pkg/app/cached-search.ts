/**
 * The knowledge search through the cache sidecar, as the cached route and the
 * chat's `knowledge_lookup` tool both run it. The outcome is what the caller
 * puts in `X-Cache`: `hit` (answered from the cache), `miss` (computed, then
 * stored), `unavailable` (the sidecar is down, slow or failing: computed, not
 * stored, never an error) or `bypass` (the `distributed-cache` flag is off for
 * the tenant: the sidecar is not asked).
 */
import type { Cache, JsonValue } from '#pkg/kv/index.ts';
import { searchCacheKey, type KnowledgeBase, type SearchParams, type SearchResponse } from '#pkg/knowledge/index.ts';
import type { FeatureFlags } from '#pkg/flags/index.ts';
import type { CacheOutcome } from './metrics.ts';

const SEARCH_SCOPE = 'knowledge.search';

export interface CachedSearchOptions {
  cache: Cache;
  flags: FeatureFlags;
  /** TTL asked of the sidecar when the caller names none (`SEARCH_CACHE_TTL`); the sidecar clamps it to the scope's bounds. */
  defaultTtlMs: number;
}

export interface CachedAnswer { body: SearchResponse; cache: CacheOutcome }

export class CachedSearch {
  readonly #cache: Cache;
  readonly #flags: FeatureFlags;
  readonly #defaultTtlMs: number;

  constructor(options: CachedSearchOptions) {
    this.#cache = options.cache;
    this.#flags = options.flags;
    this.#defaultTtlMs = options.defaultTtlMs;
  }

  async search(kb: KnowledgeBase, params: SearchParams, tenant: string, signal?: AbortSignal): Promise<CachedAnswer> {
    if (!(await this.#flags.isEnabled('distributed-cache', tenant))) {
      return { body: kb.search(params.query, params.limit), cache: 'bypass' };
    }
    const ns = { tenantKey: tenant, scope: SEARCH_SCOPE, signal };
    const key = searchCacheKey(params.query, params.limit);
    const cached = await this.#cache.get<SearchResponse>(ns, key);
    if (cached.status === 'hit') return { body: cached.value, cache: 'hit' };
    const body = kb.search(params.query, params.limit);
    if (cached.status === 'unavailable') return { body, cache: 'unavailable' };
    // Awaited so the next identical request is a hit; a failed store is still this request's miss.
    await this.#cache.set(ns, key, body as unknown as JsonValue, params.ttlMs ?? this.#defaultTtlMs);
    return { body, cache: 'miss' };
  }
}
