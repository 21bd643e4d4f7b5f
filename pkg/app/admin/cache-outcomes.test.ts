import { describe, expect, it } from 'vitest';
import { cacheRows, hitRatio } from './cache-outcomes.ts';

describe('hitRatio', () => {
  it('is hits over hits and misses, ignoring unavailable and bypass', () => {
    expect(hitRatio({ hit: 3, miss: 1, unavailable: 10, bypass: 5 })).toBe(0.75);
  });
  it('is null before the cache answered anything', () => {
    expect(hitRatio({ hit: 0, miss: 0, unavailable: 4, bypass: 0 })).toBeNull();
  });
});

describe('cacheRows', () => {
  it('fills missing outcomes with 0, totals them and sorts routes', () => {
    const rows = cacheRows({ 'b-route': { hit: 2 }, 'a-route': { miss: 1, bypass: 2 } });
    expect(rows.map((r) => r.route)).toEqual(['a-route', 'b-route']);
    expect(rows[0]).toEqual({ route: 'a-route', counts: { hit: 0, miss: 1, unavailable: 0, bypass: 2 }, total: 3, hitRatio: 0 });
    expect(rows[1].hitRatio).toBe(1);
  });
});
