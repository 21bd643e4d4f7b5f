import { describe, expect, it } from 'vitest';
import { SlidingCounter, SlidingHistogram } from './window.ts';

describe('SlidingCounter', () => {
  it('sums and rates over 1-minute and 5-minute windows and forgets old slots', () => {
    const t0 = 1_000_000;
    const c = new SlidingCounter({}, t0 - 600_000);
    for (let s = 0; s < 300; s++) c.add(2, t0 + s * 1000); // 2/s for 5 minutes
    const now = t0 + 299_000;
    expect(c.sum(60_000, now)).toBe(120);
    expect(c.rate(60_000, now)).toBeCloseTo(2, 6);
    expect(c.rate(300_000, now)).toBeCloseTo(2, 6);
    expect(c.sum(60_000, now + 120_000)).toBe(0);
    expect(c.sum(300_000, now + 120_000)).toBe(2 * 180);
  });
  it('rates a young process over its age, not the whole window', () => {
    const c = new SlidingCounter({}, 0);
    c.add(10, 5_000);
    expect(c.rate(60_000, 10_000)).toBeCloseTo(1, 6);
  });
});

describe('SlidingHistogram', () => {
  const bounds = [0.1, 0.5, 1, 5];
  it('interpolates quantiles like histogram_quantile', () => {
    const h = new SlidingHistogram(bounds);
    for (let i = 0; i < 100; i++) h.observe(0.3, 1000); // all in (0.1, 0.5]
    expect(h.quantile(0.5, 60_000, 1000)).toBeCloseTo(0.3, 6);
    expect(h.quantile(0.99, 60_000, 1000)).toBeCloseTo(0.496, 6);
    h.observe(100, 1000);
    expect(h.quantile(1, 60_000, 1000)).toBe(5);
    expect(h.count(60_000, 1000)).toBe(101);
  });
  it('returns null for an empty window and drops expired slots', () => {
    const h = new SlidingHistogram(bounds);
    expect(h.quantile(0.5, 60_000, 0)).toBeNull();
    h.observe(0.05, 0);
    expect(h.quantile(0.5, 60_000, 10 * 60_000)).toBeNull();
  });
});
