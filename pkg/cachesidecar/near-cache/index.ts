/**
 * The near cache: GET hits served from the sidecar's own memory, in front of
 * the redis backend (kept coherent by Redis' client tracking) or the upstash
 * backend (bounded by a staleness limit instead). Lives with the sidecar, not
 * in pkg/kv: what it needs (the op deadline, the breaker, per-scope opt-in,
 * the `X-Cache-Layer` answer) is the sidecar's, and the store stays a plain
 * backend adapter.
 */
import { Redis } from 'ioredis';
import { RedisStore, type CacheMetrics, type CacheStore, type RawBytesEntry, type TtlPolicy } from '#pkg/kv/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import { NearCache } from './near-cache.ts';
import { NearCacheMetrics } from './metrics.ts';
import { RedisTracking } from './redis-tracking.ts';
import { nearAllowed, type NearCacheSettings } from './settings.ts';

export type { NearCacheSettings } from './settings.ts';

/** What the data handler uses: the cache, its instruments, and how to read a key around it. */
export interface NearLayer {
  readonly cache: NearCache;
  readonly metrics: NearCacheMetrics;
  /** Whether the TTL policy lets this scope through the near cache (answered from a map after the first ask). */
  allows(scope: string): boolean;
  /** The stored key of an already validated tenant, scope and key: what the near cache and Redis' invalidations name. */
  storedKey(tenantKey: string, scope: string, key: string): string;
  /** Reads the key from the backend, bytes and PTTL in one round trip. */
  read(tenantKey: string, scope: string, key: string, stored: string): Promise<RawBytesEntry | null>;
  close(): Promise<void>;
}

export interface NearLayerOptions {
  store: CacheStore;
  settings: NearCacheSettings;
  policy: TtlPolicy;
  metrics: Metrics;
  cacheMetrics: CacheMetrics;
  logger?: Logger;
  /** Clock of the entries' expiry, in ms. Default `performance.now`. */
  now?: () => number;
  /** The invalidation connection's heartbeat (redis). Default 1000 ms. */
  heartbeatMs?: number;
}

export function createNearLayer(options: NearLayerOptions): NearLayer {
  const { store, settings, policy } = options;
  const metrics = new NearCacheMetrics(options.metrics, options.cacheMetrics);
  const tracked = store instanceof RedisStore;
  if (!tracked && settings.maxStalenessMs === undefined) {
    throw new RangeError(`the near cache needs a staleness bound with the ${store.backend} backend (no invalidations)`);
  }
  const cache = new NearCache({ maxBytes: settings.maxBytes, maxStalenessMs: settings.maxStalenessMs, active: !tracked, now: options.now, events: metrics.events() });
  const scopes = new Map<string, boolean>();
  const allows = (scope: string): boolean => {
    let on = scopes.get(scope);
    if (on === undefined) {
      on = nearAllowed(policy, scope);
      // Scopes come from requests: remember the named ones only, so the map stays as small as the policy.
      if (policy.scopes.has(scope) || scopes.size < 1000) scopes.set(scope, on);
    }
    return on;
  };
  const prefix = (store as { prefix?: string }).prefix ?? 'pilotfish';
  const storedKey = (tenantKey: string, scope: string, key: string): string => `${prefix}:{${tenantKey}}:${scope}:${key}`;

  if (tracked) {
    if (!(store.client instanceof Redis)) throw new RangeError('the near cache needs a single Redis connection (not a cluster)');
    const tracking = new RedisTracking({ reader: store.client, cache, logger: options.logger, heartbeatMs: options.heartbeatMs });
    tracking.start();
    return {
      cache, metrics, allows, storedKey,
      read: (_t, _s, _k, stored) => store.getBytesStored(stored),
      close: () => tracking.close(),
    };
  }
  return {
    cache, metrics, allows, storedKey,
    read: (tenantKey, scope, key) => {
      const ns = { tenantKey, scope };
      if (store.getBytes) return store.getBytes(ns, key);
      return store.get(ns, key).then((e) => (e === null ? null : { bytes: Buffer.from(e.json), ttlMs: e.ttlMs }));
    },
    close: async () => cache.suspend('closed'),
  };
}
