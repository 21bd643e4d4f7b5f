/**
 * The near cache's configuration, checked against the backend at start-up
 * (pure). Off by default. With `redis`, coherence comes from Redis' client
 * tracking; `upstash` has no tracking, so there the near cache is refused
 * unless an explicit staleness bound says how long a copy may outlive a
 * write made elsewhere; `memory` is in process already.
 */
import { ConfigError, parseDuration } from '#pkg/config/index.ts';
import { ruleFor, type BackendName, type TtlPolicy } from '#pkg/kv/index.ts';

export interface NearCacheSettings {
  /** Bound of the near cache in bytes. */
  maxBytes: number;
  /** Longest a copy is served without hearing from the backend; undefined: until invalidated or expired. */
  maxStalenessMs?: number;
}

export interface NearCacheEnv {
  CACHE_NEAR_CACHE: string;
  CACHE_NEAR_MAX_BYTES: number;
  CACHE_NEAR_MAX_STALENESS: string;
}

/** `CACHE_NEAR_MAX_BYTES`'s default: 32 MiB. */
export const DEFAULT_NEAR_MAX_BYTES = 32 * 1024 * 1024;

/** Undefined when the near cache is off; a ConfigError naming the variable when the combination cannot work. */
export function nearCacheSettings(env: NearCacheEnv, backend: BackendName): NearCacheSettings | undefined {
  if (env.CACHE_NEAR_CACHE !== 'on') return undefined;
  let maxStalenessMs: number | undefined;
  if (env.CACHE_NEAR_MAX_STALENESS !== '') {
    maxStalenessMs = parseDuration(env.CACHE_NEAR_MAX_STALENESS);
    if (maxStalenessMs === undefined || maxStalenessMs < 1) {
      throw new ConfigError([], [{ name: 'CACHE_NEAR_MAX_STALENESS', reason: 'expected a duration of at least 1 ms, such as 500ms or 1s' }]);
    }
  }
  if (backend === 'memory') {
    throw new ConfigError([], [{ name: 'CACHE_NEAR_CACHE', reason: 'the memory backend is in process already: use the near cache with CACHE_BACKEND=redis or upstash' }]);
  }
  if (backend === 'upstash' && maxStalenessMs === undefined) {
    throw new ConfigError([], [{ name: 'CACHE_NEAR_MAX_STALENESS', reason: 'Upstash cannot invalidate a near cache: with CACHE_NEAR_CACHE=on and the upstash backend, set how stale a copy may be served (e.g. 1s)' }]);
  }
  return maxStalenessMs === undefined ? { maxBytes: env.CACHE_NEAR_MAX_BYTES } : { maxBytes: env.CACHE_NEAR_MAX_BYTES, maxStalenessMs };
}

/** Whether a scope's reads go through the near cache: its rule's `near`, else the policy default's, else yes. */
export function nearAllowed(policy: TtlPolicy, scope: string): boolean {
  return ruleFor(policy, scope).near ?? true;
}
