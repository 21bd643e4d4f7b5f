import type { BoundCounter, Counter, Gauge, Metrics } from '#pkg/metrics/index.ts';
import type { CacheMetrics } from '#pkg/kv/index.ts';
import type { FlushReason, InvalidationSource, NearCacheEvents } from './near-cache.ts';

/**
 * The near cache's instruments. Hits are counted per scope through a map of
 * bound counters (no label key built per hit); invalidations, flushes and the
 * size are recorded where they happen, which is never on the hit path.
 */
export class NearCacheMetrics {
  readonly hits: Counter<'scope'>;
  readonly invalidations: Counter<'source'>;
  readonly flushes: Counter<'reason'>;
  readonly bytes: Gauge<never>;
  readonly entries: Gauge<never>;
  readonly #cacheMetrics: CacheMetrics;
  readonly #boundHits = new Map<string, BoundCounter>();

  constructor(metrics: Metrics, cacheMetrics: CacheMetrics) {
    this.#cacheMetrics = cacheMetrics;
    this.hits = metrics.counter({
      name: 'cache_near_hits_total',
      help: 'GET hits answered from the sidecar\'s near cache, without a backend round trip',
      labelNames: ['scope'],
      otel: { name: 'cache.near.hits', unit: '{request}', attributes: { scope: 'cache.scope' } },
    });
    this.invalidations = metrics.counter({
      name: 'cache_near_invalidations_total',
      help: 'Keys invalidated in the near cache, by source (redis: a tracking message; write: a write through this sidecar)',
      labelNames: ['source'],
      otel: { name: 'cache.near.invalidations', unit: '{key}' },
    });
    this.flushes = metrics.counter({
      name: 'cache_near_flushes_total',
      help: 'Times the whole near cache was emptied, by reason',
      labelNames: ['reason'],
      otel: { name: 'cache.near.flushes', unit: '{flush}' },
    });
    this.bytes = metrics.gauge({
      name: 'cache_near_bytes',
      help: 'Bytes held by the near cache (values, keys and per-entry overhead), bounded by CACHE_NEAR_MAX_BYTES',
      otel: { name: 'cache.near.size', unit: 'By' },
    });
    this.entries = metrics.gauge({
      name: 'cache_near_entries',
      help: 'Entries held by the near cache',
      otel: { name: 'cache.near.entries', unit: '{entry}' },
    });
  }

  /** The bound hit counter of a scope (scopes past the label cap share `_other`). */
  hitsOf(scope: string): BoundCounter {
    let bound = this.#boundHits.get(scope);
    if (bound === undefined) {
      const label = this.#cacheMetrics.scopeLabel(scope);
      bound = this.hits.bind({ scope: label });
      if (label === scope) this.#boundHits.set(scope, bound);
    }
    return bound;
  }

  /** The near cache's event hooks, feeding these instruments. */
  events(): NearCacheEvents {
    return {
      onFlush: (reason: FlushReason) => this.flushes.inc({ reason }),
      onInvalidate: (source: InvalidationSource, keys: number) => this.invalidations.inc({ source }, keys),
      onSize: (bytes: number, entries: number) => {
        this.bytes.set({}, bytes);
        this.entries.set({}, entries);
      },
    };
  }
}
