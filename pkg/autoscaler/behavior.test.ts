import { describe, expect, it } from 'vitest';
import { limitRate, scaleDownLimit, scaleUpLimit, stabilize } from './behavior.ts';
import { defaultScaleDown, defaultScaleUp } from './defaults.ts';
import type { ScalingRules } from './types.ts';

const T = 1_000_000;

describe('stabilisation window', () => {
  it('scale-down follows the highest recommendation of the last 300 s', () => {
    const history = [{ at: T - 290_000, replicas: 9 }, { at: T - 100_000, replicas: 6 }, { at: T - 301_000, replicas: 20 }];
    expect(stabilize(10, 2, history, defaultScaleUp(), defaultScaleDown(), T)).toBe(9);
    // once the 9 leaves the window, the 6 holds
    expect(stabilize(10, 2, history, defaultScaleUp(), defaultScaleDown(), T + 11_000)).toBe(6);
  });
  it('a scale-up window holds the lowest recent recommendation', () => {
    const up = { ...defaultScaleUp(), stabilizationWindowSeconds: 60 };
    expect(stabilize(3, 10, [{ at: T - 30_000, replicas: 5 }], up, defaultScaleDown(), T)).toBe(5);
  });
});

describe('rate policies', () => {
  const down: ScalingRules = {
    stabilizationWindowSeconds: 0, selectPolicy: 'Max', tolerance: 0.1,
    policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }],
  };
  it('Percent 10 per 60 s from 80 removes 8, then 8, then at most 4 below 40', () => {
    const first = limitRate({ current: 80, desired: 1, min: 1, max: 100, up: defaultScaleUp(), down, upEvents: [], downEvents: [], now: T });
    expect(first.replicas).toBe(72);
    expect(first.limited?.reason).toBe('ScaleDownLimit');
    // within the same period nothing more may go
    const again = limitRate({ current: 72, desired: 1, min: 1, max: 100, up: defaultScaleUp(), down, upEvents: [], downEvents: [{ at: T, change: 8 }], now: T + 30_000 });
    expect(again.replicas).toBe(72);
    const second = limitRate({ current: 72, desired: 1, min: 1, max: 100, up: defaultScaleUp(), down, upEvents: [], downEvents: [{ at: T, change: 8 }], now: T + 61_000 });
    expect(second.replicas).toBe(64);
    expect(scaleDownLimit(30, [], [], down, T)).toBe(26); // Pods 4 beats Percent 10 (3) below 40
  });
  it('default scale-up: +100% or +4 per 15 s, whichever is more', () => {
    expect(scaleUpLimit(1, [], [], defaultScaleUp(), T)).toBe(5);
    expect(scaleUpLimit(10, [], [], defaultScaleUp(), T)).toBe(20);
    // a scale from 10 to 20 five seconds ago leaves the period start at 10
    expect(scaleUpLimit(20, [{ at: T - 5_000, change: 10 }], [], defaultScaleUp(), T)).toBe(20);
  });
  it('selectPolicy Min picks the smaller change, Disabled forbids the direction', () => {
    expect(scaleUpLimit(10, [], [], { ...defaultScaleUp(), selectPolicy: 'Min' }, T)).toBe(14);
    expect(scaleUpLimit(10, [], [], { ...defaultScaleUp(), selectPolicy: 'Disabled' }, T)).toBe(10);
    expect(scaleDownLimit(30, [], [], { ...down, selectPolicy: 'Min' }, T)).toBe(27); // Percent 10 removes 3, fewer than Pods 4
    const disabled = limitRate({ current: 10, desired: 3, min: 1, max: 100, up: defaultScaleUp(), down: { ...defaultScaleDown(), selectPolicy: 'Disabled' }, upEvents: [], downEvents: [], now: T });
    expect(disabled.replicas).toBe(10);
  });
  it('min and max bound the result with their own reasons', () => {
    expect(limitRate({ current: 10, desired: 200, min: 1, max: 15, up: defaultScaleUp(), down: defaultScaleDown(), upEvents: [], downEvents: [], now: T }))
      .toEqual({ replicas: 15, limited: { reason: 'TooManyReplicas', message: expect.any(String) } });
    expect(limitRate({ current: 10, desired: 1, min: 3, max: 15, up: defaultScaleUp(), down: defaultScaleDown(), upEvents: [], downEvents: [], now: T }).replicas).toBe(3);
  });
});
