/**
 * Who is calling, found once per token rather than once per request: the
 * first request with a token pays the SHA-256 lookup (tokens.ts); later ones
 * find the tenant's context by the Authorization header (or `?_token=`) they
 * send. Only tokens that matched are remembered, so the cache holds at most
 * one entry per configured token and header shape, and a stream of wrong
 * tokens cannot grow it. The cache is a Map in memory: no token is written
 * anywhere.
 */
import type { BoundCounter, Counter } from '#pkg/metrics/index.ts';
import type { UpstashGrant, UpstashTokens } from './tokens.ts';
import { tokenOf, type Endpoint } from './request.ts';
import type { TenantSpace } from './rewrite.ts';

export type Result = 'ok' | 'error' | 'refused' | 'unauthorized' | 'unavailable' | 'timeout';

/** One tenant's fenced key space and its request counters, bound once per endpoint and result. */
export interface TenantContext {
  readonly grant: UpstashGrant;
  readonly space: TenantSpace;
  count(endpoint: Endpoint, result: Result): void;
}

/** Header values remembered per token, at most: `Bearer <token>` and a few spellings of it. */
const MAX_ENTRIES_PER_TOKEN = 4;

export class TenantDirectory {
  readonly #tokens: UpstashTokens;
  readonly #byHeader = new Map<string, TenantContext>();
  readonly #byQueryToken = new Map<string, TenantContext>();
  readonly #byGrant = new Map<UpstashGrant, TenantContext>();
  readonly #requests: Counter<'tenant' | 'endpoint' | 'result'>;
  readonly #spaceOf: (grant: UpstashGrant) => TenantSpace;

  constructor(tokens: UpstashTokens, requests: Counter<'tenant' | 'endpoint' | 'result'>, spaceOf: (grant: UpstashGrant) => TenantSpace) {
    this.#tokens = tokens;
    this.#requests = requests;
    this.#spaceOf = spaceOf;
  }

  /** The caller's context, or undefined for a missing, malformed or unknown token. */
  lookup(authorization: string | undefined, queryToken: string | undefined): TenantContext | undefined {
    const cache = authorization !== undefined ? this.#byHeader : this.#byQueryToken;
    const key = authorization ?? queryToken;
    if (key === undefined) return undefined;
    const known = cache.get(key);
    if (known) return known;
    const grant = this.#tokens.lookup(tokenOf(authorization, queryToken));
    if (!grant) return undefined;
    const context = this.#contextOf(grant);
    if (cache.size < this.#tokens.size * MAX_ENTRIES_PER_TOKEN) cache.set(key, context);
    return context;
  }

  #contextOf(grant: UpstashGrant): TenantContext {
    let context = this.#byGrant.get(grant);
    if (context) return context;
    const requests = this.#requests;
    const bound: Record<Endpoint, Partial<Record<Result, BoundCounter>>> = { command: {}, pipeline: {}, 'multi-exec': {} };
    context = {
      grant,
      space: this.#spaceOf(grant),
      count(endpoint, result) {
        const byResult = bound[endpoint];
        (byResult[result] ??= requests.bind({ tenant: grant.tenant, endpoint, result })).inc();
      },
    };
    this.#byGrant.set(grant, context);
    return context;
  }
}
