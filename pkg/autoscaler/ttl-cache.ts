/**
 * Wraps an async read so that a successful answer is reused for `ttlMs` per
 * key; failures are not cached, and concurrent reads of one key share one
 * call. `ttlMs` 0 disables caching.
 */
export function ttlCache<A extends unknown[], T>(ttlMs: number, read: (...args: A) => Promise<T>, keyOf: (...args: A) => string, now: () => number = Date.now): (...args: A) => Promise<T> {
  if (ttlMs <= 0) return read;
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (...args: A) => {
    const key = keyOf(...args);
    const hit = entries.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = read(...args);
    entries.set(key, { at: now(), value });
    if (entries.size > 10_000) entries.clear();
    value.catch(() => { if (entries.get(key)?.value === value) entries.delete(key); });
    return value;
  };
}
