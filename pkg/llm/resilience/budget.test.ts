import { describe, expect, it } from 'vitest';
import { attemptTimeout, requestDeadline } from './budget.ts';

const o = { defaultMs: 60_000, maxMs: 600_000 };

describe('requestDeadline', () => {
  it('uses the configured default when the caller announces no timeout, or an unusable one', () => {
    for (const h of [undefined, '', 'soon', '-5', '0']) expect(requestDeadline(h, o)).toBe(60_000);
  });

  it('follows x-stainless-timeout, answering a little before the SDK gives up', () => {
    expect(requestDeadline('600', o)).toBe(599_000);
    expect(requestDeadline('10', o)).toBe(9_500);
    expect(requestDeadline(['120'], o)).toBe(119_000);
  });

  it('never goes past the configured maximum', () => {
    expect(requestDeadline('3600', o)).toBe(600_000);
    expect(requestDeadline(undefined, { defaultMs: 900_000, maxMs: 600_000 })).toBe(600_000);
  });
});

describe('attemptTimeout', () => {
  it('keeps the first-event timeout for streams, within the deadline', () => {
    expect(attemptTimeout(true, 599_000, 30_000)).toBe(30_000);
    expect(attemptTimeout(true, 10_000, 30_000)).toBe(10_000);
  });

  it('grows with the deadline for non-streaming answers: 45% of what is left, at least the configured timeout', () => {
    expect(attemptTimeout(false, 599_000, 30_000)).toBe(269_550);
    expect(attemptTimeout(false, 60_000, 30_000)).toBe(30_000);
    expect(attemptTimeout(false, 20_000, 30_000)).toBe(20_000);
  });
});
