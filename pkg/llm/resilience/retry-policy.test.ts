import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LlmError, type ErrorKind } from '../errors.ts';
import { backoffDelay, nextDelay, retryAfterMs } from './retry-policy.ts';

const opts = { baseMs: 250, capMs: 8000 };
const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(cap, base·2^n)] for any random draw', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, r) => {
      const d = backoffDelay(n, opts, () => r);
      return d >= 0 && d <= Math.min(8000, 250 * 2 ** n);
    }));
  });
  it('spans the whole range: 0 at the bottom draw, near the ceiling at the top', () => {
    expect(backoffDelay(2, opts, () => 0)).toBe(0);
    expect(backoffDelay(2, opts, () => 0.999)).toBe(999);
    expect(backoffDelay(10, opts, () => 0.999)).toBe(7992);
  });
});

describe('retryAfterMs', () => {
  it('prefers retry-after-ms, then retry-after seconds, then an HTTP date', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(headers({}))).toBeUndefined();
  });
});

describe('nextDelay', () => {
  const err = (kind: ErrorKind, retryAfter?: number) => new LlmError(kind, 'x', { retryAfterMs: retryAfter });
  it('retries network errors, timeouts, 408/409, 429, 5xx, 529 and never client errors or spend limits', () => {
    for (const k of ['network', 'timeout', 'conflict', 'rate_limit', 'server', 'overloaded', 'truncated', 'malformed'] as const) expect(nextDelay(err(k), 1, 3, 60_000, opts, () => 0.5)).toBeTypeOf('number');
    for (const k of ['client', 'invalid_request', 'auth', 'spend_limit', 'aborted', 'breaker_open'] as const) expect(nextDelay(err(k), 1, 3, 60_000, opts)).toBeUndefined();
  });
  it('stops when attempts are spent or the wait would pass the deadline', () => {
    expect(nextDelay(err('server'), 3, 3, 60_000, opts)).toBeUndefined();
    expect(nextDelay(err('rate_limit', 500), 1, 3, 400, opts)).toBeUndefined();
  });
  it('waits what the provider asked, and fails over when it asks for more than the cap', () => {
    expect(nextDelay(err('rate_limit', 1200), 1, 3, 60_000, opts)).toBe(1200);
    expect(nextDelay(err('rate_limit', 9000), 1, 3, 60_000, opts)).toBeUndefined();
  });

  it('retries a timed-out attempt only when the deadline holds another whole attempt', () => {
    expect(nextDelay(err('timeout'), 1, 3, 29_000, opts, () => 0, 30_000)).toBeUndefined();
    expect(nextDelay(err('timeout'), 1, 3, 31_000, opts, () => 0, 30_000)).toBe(0);
    expect(nextDelay(err('server'), 1, 3, 29_000, opts, () => 0, 30_000)).toBe(0);
  });
});
