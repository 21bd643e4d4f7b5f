import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scaleUpLimit } from './behavior.ts';
import { recommend } from './recommend.ts';
import { queueReadings, specFor } from './testing.ts';
import { emptyHistory, type History } from './types.ts';

const T = 1_700_000_000_000;

const arbSpec = fc.record({
  minReplicas: fc.integer({ min: 0, max: 5 }),
  extra: fc.integer({ min: 0, max: 40 }),
  backlogPerReplica: fc.integer({ min: 1, max: 50 }),
  age: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  window: fc.integer({ min: 0, max: 600 }),
}).map((s) => specFor({
  minReplicas: s.minReplicas,
  maxReplicas: Math.max(1, s.minReplicas + s.extra),
  targets: { backlogPerReplica: s.backlogPerReplica, ...(s.age ? { oldestReadyAgeSeconds: s.age } : {}) },
  behavior: { scaleDown: { stabilizationWindowSeconds: s.window } },
}));

const arbHistory: fc.Arbitrary<History> = fc.array(fc.record({ ago: fc.integer({ min: 0, max: 900 }), replicas: fc.integer({ min: 0, max: 60 }) }), { maxLength: 8 })
  .map((recs) => ({ ...emptyHistory(), lastActiveAt: T - 1_000_000, recommendations: recs.map((r) => ({ at: T - r.ago * 1000, replicas: r.replicas })) }));

describe('recommend: properties', () => {
  it('stays within bounds, never below minReplicas once running, and within the scale-up policy', () => {
    fc.assert(fc.property(arbSpec, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 600 }), arbHistory,
      (spec, current, backlog, age, history) => {
        const d = recommend({ spec, currentReplicas: current, readings: queueReadings(backlog, age), history, now: T });
        expect(d.desiredReplicas).toBeGreaterThanOrEqual(0);
        if (d.reason === 'Paused' || d.reason === 'ScalingDisabled') return;
        expect(d.desiredReplicas).toBeLessThanOrEqual(spec.maxReplicas);
        if (spec.minReplicas > 0 && current > 0) expect(d.desiredReplicas).toBeGreaterThanOrEqual(spec.minReplicas);
        if (d.reason === 'Recommended' && d.desiredReplicas > current) {
          expect(d.desiredReplicas).toBeLessThanOrEqual(Math.max(current, scaleUpLimit(current, [], [], spec.behavior.scaleUp, T)));
        }
      }));
  });

  it('more backlog never gives fewer replicas', () => {
    fc.assert(fc.property(arbSpec, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), arbHistory,
      (spec, current, a, b, history) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const dLo = recommend({ spec, currentReplicas: current, readings: queueReadings(lo), history, now: T });
        const dHi = recommend({ spec, currentReplicas: current, readings: queueReadings(hi), history, now: T });
        expect(dHi.desiredReplicas).toBeGreaterThanOrEqual(dLo.desiredReplicas);
      }));
  });

  it('never scales a running workload to zero when the queue cannot be read', () => {
    fc.assert(fc.property(arbSpec, fc.integer({ min: 1, max: 60 }), arbHistory, fc.integer({ min: 0, max: 10 }), (spec, current, history, failures) => {
      const d = recommend({ spec, currentReplicas: current, readings: { queue: { ok: false, error: 'down' } }, history: { ...history, consecutiveFailures: failures }, now: T });
      expect(d.desiredReplicas).toBeGreaterThanOrEqual(1);
      expect(d.active).toBe(true);
    }));
  });

  it('is a pure function: the same input gives the same decision and the input is not changed', () => {
    fc.assert(fc.property(arbSpec, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 5000 }), arbHistory, (spec, current, backlog, history) => {
      const before = structuredClone(history);
      const a = recommend({ spec, currentReplicas: current, readings: queueReadings(backlog), history, now: T });
      const b = recommend({ spec, currentReplicas: current, readings: queueReadings(backlog), history, now: T });
      expect(a).toEqual(b);
      expect(history).toEqual(before);
    }));
  });
});
