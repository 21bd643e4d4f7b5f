import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LEASE_SHARE_DIVISOR, RateWindow, grantOf, leaseAsk, localVerdict, wantsTopUp, type LeaseView } from './lease.ts';

const NOW = Date.UTC(2026, 11, 2, 10, 0, 15);
const view = (v: Partial<LeaseView> = {}): LeaseView => ({ lease: 0, requests: 0, tokens: 0, spentUsd: 0, fetchedAt: 1000, ...v });

describe('localVerdict: what a pod decides without Redis', () => {
  const limits = { rpm: 100, tpm: 1000, monthlyBudgetUsd: 1 };

  it('admits from a held lease while the view is fresh', () => {
    expect(localVerdict(view({ lease: 3, requests: 50 }), limits, NOW, 1100)).toEqual({ ok: true });
    // Even when the minute is fully leased: the held requests are part of that count.
    expect(localVerdict(view({ lease: 1, requests: 100 }), limits, NOW, 1000)).toEqual({ ok: true });
  });

  it('asks Redis when the view is too old or no request is held while the minute has room', () => {
    expect(localVerdict(view({ lease: 3 }), limits, NOW, 1101)).toBeUndefined();
    expect(localVerdict(view({ fetchedAt: -Infinity }), {}, NOW, 0)).toBeUndefined();
    expect(localVerdict(view({ lease: 0, requests: 99 }), limits, NOW, 1000)).toBeUndefined();
  });

  it('refuses from a fresh view in the order of decide(): budget, then tokens, then requests', () => {
    expect(localVerdict(view({ lease: 5, tokens: 1000, spentUsd: 1 }), limits, NOW, 1000)).toMatchObject({ ok: false, reason: 'budget' });
    expect(localVerdict(view({ lease: 5, tokens: 1000, requests: 100 }), limits, NOW, 1000)).toMatchObject({ ok: false, reason: 'tpm', retryAfterMs: 45_000 });
    expect(localVerdict(view({ lease: 0, requests: 100 }), limits, NOW, 1000)).toMatchObject({ ok: false, reason: 'rpm', retryAfterMs: 45_000 });
  });

  it('a key without rpm needs no lease, only a fresh view', () => {
    expect(localVerdict(view(), { tpm: 10 }, NOW, 1050)).toEqual({ ok: true });
    expect(localVerdict(view({ tokens: 10 }), { tpm: 10 }, NOW, 1050)).toMatchObject({ ok: false, reason: 'tpm' });
  });
});

describe('lease sizing', () => {
  it('asks for a window\'s worth at the recent rate less what is held, and at least one per waiting request', () => {
    expect(leaseAsk(0, 0, 1)).toEqual({ need: 1, want: 1 });
    expect(leaseAsk(40.2, 10, 1)).toEqual({ need: 1, want: 31 });
    expect(leaseAsk(40, 50, 0)).toEqual({ need: 0, want: 0 });
    expect(leaseAsk(2, 0, 16)).toEqual({ need: 16, want: 16 });
  });

  it('grants ahead of need at most 1/8 of what is left, and nothing ahead of need near the limit', () => {
    expect(grantOf({ need: 1, want: 500 }, 1_000_000)).toBe(500);
    expect(grantOf({ need: 1, want: 500 }, 800)).toBe(100);
    expect(grantOf({ need: 0, want: 500 }, 7)).toBe(0);
    expect(grantOf({ need: 1, want: 500 }, 7)).toBe(1);
    expect(grantOf({ need: 16, want: 16 }, 10)).toBe(10);
    expect(grantOf({ need: 3, want: 3 }, 0)).toBe(0);
  });

  it('never grants more than is left, never less than the requests in hand while any is left', () => {
    fc.assert(fc.property(fc.nat(1000), fc.nat(1000), fc.integer({ min: -5, max: 5000 }), (need, extra, left) => {
      const g = grantOf({ need, want: need + extra }, left);
      if (left <= 0) return g === 0;
      return g <= left && g >= Math.min(need, left) && g <= Math.max(need, Math.floor(left / LEASE_SHARE_DIVISOR));
    }));
  });

  it('tops up in the background when the view ages or the lease runs below half a window\'s worth', () => {
    const limits = { rpm: 1000 };
    expect(wantsTopUp(view({ lease: 100 }), 100, limits, 1049)).toBe(false);
    expect(wantsTopUp(view({ lease: 100 }), 100, limits, 1050)).toBe(true);
    expect(wantsTopUp(view({ lease: 49 }), 100, limits, 1000)).toBe(true);
    // A fully leased minute has nothing to top up from until the view ages.
    expect(wantsTopUp(view({ lease: 0, requests: 1000 }), 100, limits, 1000)).toBe(false);
    expect(wantsTopUp(view(), 100, { tpm: 5 }, 1000)).toBe(false);
  });

  it('does not top up ahead of a pod too slow to use it before its view is too old', () => {
    expect(wantsTopUp(view({ lease: 0 }), 1, { rpm: 1000 }, 1000)).toBe(false);
    expect(wantsTopUp(view({ lease: 0 }), 1.9, { rpm: 1000 }, 5000)).toBe(false);
    expect(wantsTopUp(view({ lease: 0 }), 2, { rpm: 1000 }, 1000)).toBe(true);
  });
});

describe('RateWindow', () => {
  it('counts admits over the last window on an injected clock', () => {
    const w = new RateWindow(200);
    for (let t = 0; t < 200; t += 2) w.add(t);
    expect(w.count(199)).toBe(100);
    // Half of the previous bucket is still inside the window.
    expect(w.count(300)).toBe(50);
    for (let t = 300; t < 400; t += 2) w.add(t);
    expect(w.count(399)).toBeCloseTo(50 + 100 * 0.005, 9);
    expect(w.count(600)).toBe(0);
    expect(w.count(10_000)).toBe(0);
  });

  it('follows a rate that changes: a window later, only the new rate is counted', () => {
    const w = new RateWindow(100);
    for (let t = 0; t < 1000; t += 1) w.add(t);
    for (let t = 1000; t < 2000; t += 10) w.add(t);
    expect(w.count(1999)).toBeCloseTo(10, 0);
  });
});
