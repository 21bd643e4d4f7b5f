import { LRUCache } from 'lru-cache';

export interface TtlCacheOptions {
  /** Most keys kept; past it the least recently used goes. Default 10 000. */
  max?: number;
  /** Clock in ms. It must read above 0: lru-cache takes a start time of 0 for "no TTL". Default `performance.now`. */
  now?: () => number;
}

/**
 * Wraps an async read so that a successful answer is reused for `ttlMs` per
 * key (lru-cache's rule: still fresh at exactly `ttlMs`, stale after it);
 * failures are not cached, and concurrent reads of one key share one call.
 * `ttlMs` 0 disables caching. The promise is what is cached, not its value,
 * because a read may answer undefined (no Secret, no HPA), which lru-cache
 * cannot hold.
 */
export function ttlCache<A extends unknown[], T>(ttlMs: number, read: (...args: A) => Promise<T>, keyOf: (...args: A) => string, options: TtlCacheOptions = {}): (...args: A) => Promise<T> {
  if (ttlMs <= 0) return read;
  const entries = new LRUCache<string, Promise<T>>({
    max: options.max ?? 10_000,
    ttl: ttlMs,
    // Read the clock on every check: the default caches "now" for 1 ms of real time, which an injected clock would not see move.
    ttlResolution: 0,
    ...(options.now ? { perf: { now: options.now } } : {}),
  });
  return (...args: A) => {
    const key = keyOf(...args);
    const hit = entries.get(key);
    if (hit) return hit;
    const value = read(...args);
    entries.set(key, value);
    value.catch(() => { if (entries.peek(key) === value) entries.delete(key); });
    return value;
  };
}
