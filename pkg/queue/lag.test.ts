import { describe, expect, it } from 'vitest';
import { isFirstAttempt, lagSeconds, readyTime } from './lag.ts';

describe('lag', () => {
  it('uses timestamp + opts.delay as ready time', () => {
    expect(readyTime({ timestamp: 1000, opts: { delay: 500 } })).toBe(1500);
    expect(readyTime({ timestamp: 1000 })).toBe(1000);
    expect(readyTime({ timestamp: 1000, opts: { delay: -5 } })).toBe(1000);
  });
  it('measures seconds and clamps clock skew at 0', () => {
    expect(lagSeconds({ timestamp: 1000, opts: { delay: 500 } }, 4000)).toBe(2.5);
    expect(lagSeconds({ timestamp: 9000 }, 4000)).toBe(0);
  });
  it('tells first attempts from retries and stalled re-runs', () => {
    expect(isFirstAttempt({ timestamp: 0, attemptsMade: 0, attemptsStarted: 1 })).toBe(true);
    expect(isFirstAttempt({ timestamp: 0, attemptsMade: 1, attemptsStarted: 2 })).toBe(false);
    expect(isFirstAttempt({ timestamp: 0, attemptsMade: 0, attemptsStarted: 2 })).toBe(false);
  });
});
