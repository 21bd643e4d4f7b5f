/**
 * The app's own X-Cache counts per route, turned into the admin page's cache
 * rows (pure). The hit ratio counts only answers that asked the cache (hit and
 * miss): `unavailable` and `bypass` are shown beside it, because folding them
 * in would hide a down sidecar behind a falling ratio.
 */
import type { CacheOutcome } from '../metrics.ts';

export type OutcomeCounts = Record<CacheOutcome, number>;

export interface CacheRouteRow {
  route: string;
  counts: OutcomeCounts;
  total: number;
  /** hit / (hit + miss); null before any answer came from the cache. */
  hitRatio: number | null;
}

export function hitRatio(counts: OutcomeCounts): number | null {
  const asked = counts.hit + counts.miss;
  return asked === 0 ? null : counts.hit / asked;
}

export function cacheRows(byRoute: Record<string, Partial<OutcomeCounts>>): CacheRouteRow[] {
  return Object.keys(byRoute).sort().map((route) => {
    const raw = byRoute[route];
    const counts: OutcomeCounts = { hit: raw.hit ?? 0, miss: raw.miss ?? 0, unavailable: raw.unavailable ?? 0, bypass: raw.bypass ?? 0 };
    return { route, counts, total: counts.hit + counts.miss + counts.unavailable + counts.bypass, hitRatio: hitRatio(counts) };
  });
}
