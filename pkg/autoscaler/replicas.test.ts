import { describe, expect, it } from 'vitest';
import { averageValueReplicas, valueReplicas, withinTolerance } from './replicas.ts';

const tol = { up: 0.1, down: 0.1 };

describe('per-metric replicas (HPA replica calculator)', () => {
  it('AverageValue: 20 ready jobs at 5 per replica on 3 replicas → 4', () => {
    expect(averageValueReplicas(3, 20, 5, tol)).toBe(4);
  });
  it('Value: 20 against 5 on 3 replicas → 12', () => {
    expect(valueReplicas(3, 3, 20, 5, tol)).toBe(12);
  });
  it('Value: 8600 against 4400 on 1 ready pod → 2; with 3 pods of which 1 is ready → 2', () => {
    expect(valueReplicas(1, 1, 8600, 4400, tol)).toBe(2);
    expect(valueReplicas(3, 1, 8600, 4400, tol)).toBe(2);
  });
  it('AverageValue with an up-tolerance of 0.05: 35 pods and 3700 → 37, then 37 pods and 3800 → 37', () => {
    const t = { up: 0.05, down: 0.1 };
    expect(averageValueReplicas(35, 3700, 100, t)).toBe(37);
    expect(averageValueReplicas(37, 3800, 100, t)).toBe(37);
  });
  it('AverageValue at the default tolerance: 10 pods, 1050 → unchanged; 1200 → 12', () => {
    expect(averageValueReplicas(10, 1050, 100, tol)).toBe(10);
    expect(averageValueReplicas(10, 1200, 100, tol)).toBe(12);
  });
  it('Value: 10 replicas at 90 vs 75 → 12; 50 replicas → 60', () => {
    expect(valueReplicas(10, 10, 90, 75, tol)).toBe(12);
    expect(valueReplicas(50, 50, 90, 75, tol)).toBe(60);
  });
  it('tolerance bounds are inclusive', () => {
    expect(withinTolerance(1.1, tol)).toBe(true);
    expect(withinTolerance(0.9, tol)).toBe(true);
    expect(withinTolerance(1.1000001, tol)).toBe(false);
    expect(withinTolerance(0.8999999, tol)).toBe(false);
  });
  it('from zero replicas a Value target scales to ceil(value / target), AverageValue to ceil(total / target)', () => {
    expect(valueReplicas(0, 0, 95, 30, tol)).toBe(4);
    expect(averageValueReplicas(0, 11, 5, tol)).toBe(3);
  });
});
