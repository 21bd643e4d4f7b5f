import { describe, expect, it } from 'vitest';
import { assessStatus, type StatusInput } from './status.ts';

const ok: StatusInput = { signalsAvailable: true, oldestReadyAgeSeconds: 1, readyBacklog: 2, isPaused: false, errorRatio5m: 0, attempts5m: 100, lagP95Seconds5m: 0.5, totalConcurrency: 8 };

describe('assessStatus', () => {
  it('is healthy under every threshold', () => {
    expect(assessStatus(ok)).toEqual({ status: 'healthy', reasons: [] });
  });
  it('degrades on age, error ratio, lag p95 or no live worker', () => {
    expect(assessStatus({ ...ok, oldestReadyAgeSeconds: 61 }).status).toBe('degraded');
    expect(assessStatus({ ...ok, errorRatio5m: 0.06 }).status).toBe('degraded');
    expect(assessStatus({ ...ok, lagP95Seconds5m: 31 }).status).toBe('degraded');
    expect(assessStatus({ ...ok, totalConcurrency: 0 }).reasons).toContain('ready jobs but no live worker');
  });
  it('is unhealthy on a very old job, a high error ratio or unreadable state, and lists every reason', () => {
    expect(assessStatus({ ...ok, oldestReadyAgeSeconds: 301 }).status).toBe('unhealthy');
    expect(assessStatus({ ...ok, errorRatio5m: 0.3 }).status).toBe('unhealthy');
    const r = assessStatus({ ...ok, signalsAvailable: false, lagP95Seconds5m: 40 });
    expect(r.status).toBe('unhealthy');
    expect(r.reasons).toHaveLength(2);
  });
  it('does not judge a ratio on too few attempts, nor age while paused', () => {
    expect(assessStatus({ ...ok, errorRatio5m: 1, attempts5m: 3 }).status).toBe('healthy');
    expect(assessStatus({ ...ok, isPaused: true, oldestReadyAgeSeconds: 1000 }).status).toBe('healthy');
  });
  it('honours custom thresholds', () => {
    expect(assessStatus({ ...ok, oldestReadyAgeSeconds: 11 }, { degradedOldestAgeSeconds: 10 }).status).toBe('degraded');
  });
});
