import { describe, expect, it } from 'vitest';
import { recommend, recordScale } from './recommend.ts';
import { queueReadings, specFor } from './testing.ts';
import { emptyHistory, type History, type QueueAutoscalerSpec, type Readings } from './types.ts';

const T0 = 1_700_000_000_000;

function run(spec: QueueAutoscalerSpec, current: number, readings: Readings, history: History = emptyHistory(), now = T0, readyReplicas?: number) {
  return recommend({ spec, currentReplicas: current, readyReplicas, readings, history, now });
}

/** Drives recommend() like the controller does: apply each decision, record the scale. */
function simulate(spec: QueueAutoscalerSpec, start: number, steps: { at: number; readings: Readings }[]) {
  let current = start;
  let history = emptyHistory();
  const out: number[] = [];
  for (const step of steps) {
    const d = run(spec, current, step.readings, history, step.at);
    history = recordScale(d.history, current, d.desiredReplicas, step.at, spec);
    current = d.desiredReplicas;
    out.push(current);
  }
  return out;
}

describe('recommend: the HPA algorithm', () => {
  it('20 ready jobs with a per-replica target of 5 → 4', () => {
    const d = run(specFor(), 3, queueReadings(20));
    expect(d.desiredReplicas).toBe(4);
    expect(d.metrics).toEqual([{ metric: 'backlogPerReplica', value: 20, target: 5, replicas: 4 }]);
  });

  it('Value target 8600 vs 4400 on 1 replica → 2 (and 2 with 3 pods of which 1 is ready)', () => {
    const spec = specFor({ targets: { oldestReadyAgeSeconds: 4400 } });
    expect(run(spec, 1, queueReadings(1, 8600)).desiredReplicas).toBe(2);
    // 3 → 2 is a scale-down: with a history whose recommendations are all older than the window, the default policy allows it
    const old = { ...emptyHistory(), recommendations: [{ at: T0 - 400_000, replicas: 3 }] };
    expect(run(spec, 3, queueReadings(1, 8600), old, T0, 1).desiredReplicas).toBe(2);
  });

  it('AverageValue 100 with an up-tolerance of 0.05: 35 & 3700 → 37, then 37 & 3800 → unchanged', () => {
    const spec = specFor({ maxReplicas: 100, targets: { backlogPerReplica: 100 }, behavior: { scaleUp: { tolerance: 0.05 } } });
    const first = run(spec, 35, queueReadings(3700));
    expect(first.desiredReplicas).toBe(37);
    const history = recordScale(first.history, 35, 37, T0, spec);
    const second = run(spec, 37, queueReadings(3800), history, T0 + 15_000);
    expect(second.desiredReplicas).toBe(37);
    expect(second.message).toMatch(/no change/);
  });

  it('10 replicas at 90 with a Value target of 75 → 12', () => {
    const spec = specFor({ targets: { oldestReadyAgeSeconds: 75 } });
    expect(run(spec, 10, queueReadings(5, 90)).desiredReplicas).toBe(12);
  });

  it('scale-down stabilisation of 300 s holds the highest recent recommendation', () => {
    const spec = specFor();
    const steps = [
      { at: T0, readings: queueReadings(50) }, // → 10
      { at: T0 + 60_000, readings: queueReadings(20) }, // wants 4, window holds 10
      { at: T0 + 200_000, readings: queueReadings(30) }, // wants 6, holds 10
      { at: T0 + 301_000, readings: queueReadings(5) }, // the 10 has left: highest left is 6
      { at: T0 + 501_000, readings: queueReadings(5) }, // the 6 and the 4 have left too: 1
    ];
    expect(simulate(spec, 10, steps)).toEqual([10, 10, 10, 6, 1]);
  });

  it('a Percent policy of 10 per 60 s from 80 replicas removes 8, then 8', () => {
    const spec = specFor({
      maxReplicas: 100,
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } },
    });
    const steps = [0, 15, 30, 45, 60, 75].map((s) => ({ at: T0 + s * 1000, readings: queueReadings(0, 0, 1) }));
    expect(simulate(spec, 80, steps)).toEqual([72, 72, 72, 72, 64, 64]);
  });

  it('a fresh start counts the current size as a recent recommendation (no scale-down right after a restart)', () => {
    const spec = specFor();
    const first = run(spec, 10, queueReadings(0));
    expect(first.desiredReplicas).toBe(10);
    expect(run(spec, 10, queueReadings(0), first.history, T0 + 301_000).desiredReplicas).toBe(1);
  });

  it('several targets: the largest recommendation wins', () => {
    const spec = specFor({ targets: { backlogPerReplica: 10, oldestReadyAgeSeconds: 30 } });
    const d = run(spec, 2, queueReadings(20, 90)); // backlog → 2, age 90/30 × 2 → 6
    expect(d.desiredReplicas).toBe(6);
    expect(d.metrics.map((m) => m.replicas)).toEqual([2, 6]);
  });

  it('clamps to maxReplicas with reason TooManyReplicas and scales down to maxReplicas when above it', () => {
    const spec = specFor({ maxReplicas: 6 });
    const d = run(spec, 4, queueReadings(500));
    expect(d.desiredReplicas).toBe(6);
    expect(d.limited?.reason).toBe('TooManyReplicas');
    expect(run(spec, 9, queueReadings(500)).desiredReplicas).toBe(6);
  });

  it('keeps minReplicas', () => {
    const spec = specFor({ minReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    expect(run(spec, 5, queueReadings(0)).desiredReplicas).toBe(3);
    expect(run(spec, 1, queueReadings(0)).desiredReplicas).toBe(3);
  });
});

describe('recommend: activation, scale to and from zero', () => {
  const spec = specFor({ minReplicas: 0, activation: { backlog: 2 }, cooldownSeconds: 300, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });

  it('goes from 0 as soon as the backlog crosses activation, straight to what the policies allow', () => {
    expect(run(spec, 0, queueReadings(2)).desiredReplicas).toBe(0); // not strictly above 2
    const d = run(spec, 0, queueReadings(3));
    expect(d.reason).toBe('Activated');
    expect(d.desiredReplicas).toBe(1);
    const big = run(spec, 0, queueReadings(400));
    expect(big.desiredReplicas).toBe(4); // Pods 4 per 15 s from zero
  });

  it('scales 0 → 1 even when the only policy is a Percent one', () => {
    const s = specFor({ minReplicas: 0, behavior: { scaleUp: { policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } } });
    expect(run(s, 0, queueReadings(50)).desiredReplicas).toBe(1);
  });

  it('stays at 1 while idle for less than the cooldown, then goes to 0', () => {
    const history = { ...emptyHistory(), lastActiveAt: T0 };
    const early = run(spec, 1, queueReadings(0), history, T0 + 299_000);
    expect(early.desiredReplicas).toBe(1);
    const late = run(spec, 1, queueReadings(0), history, T0 + 300_000);
    expect(late.desiredReplicas).toBe(0);
    expect(late.reason).toBe('ScaleToZero');
  });

  it('active jobs keep the workload up even with an empty backlog', () => {
    const history = { ...emptyHistory(), lastActiveAt: T0 - 1_000_000 };
    const d = run(spec, 1, queueReadings(0, 0, 3), history);
    expect(d.desiredReplicas).toBe(1);
    expect(d.active).toBe(true);
  });

  it('never scales to zero on a read error', () => {
    const history = { ...emptyHistory(), lastActiveAt: T0 - 1_000_000 };
    const d = run(spec, 1, { queue: { ok: false, error: 'ECONNREFUSED' } }, history);
    expect(d.desiredReplicas).toBe(1);
    expect(d.reason).toBe('MetricsUnavailable');
  });

  it('minReplicas above zero never allows zero; a target scaled to 0 by hand is left alone like the HPA', () => {
    const s = specFor({ minReplicas: 1 });
    const history = { ...emptyHistory(), lastActiveAt: T0 - 1_000_000 };
    expect(run(s, 1, queueReadings(0), history).desiredReplicas).toBe(1);
    expect(run(s, 0, queueReadings(100)).reason).toBe('ScalingDisabled');
  });
});

describe('recommend: fallback and pause', () => {
  const spec = specFor({ fallback: { failureThreshold: 3, replicas: 7 } });
  const down: Readings = { queue: { ok: false, error: 'connect ECONNREFUSED' } };

  it('holds the count for failures below the threshold, then runs the fallback', () => {
    let history = emptyHistory();
    const results: { desired: number; fallback: boolean }[] = [];
    for (let i = 0; i < 4; i++) {
      const d = run(spec, 2, down, history, T0 + i * 15_000);
      history = d.history;
      results.push({ desired: d.desiredReplicas, fallback: d.fallback });
    }
    expect(results).toEqual([
      { desired: 2, fallback: false }, { desired: 2, fallback: false }, { desired: 7, fallback: true }, { desired: 7, fallback: true },
    ]);
    // a good read resets the count; scale-down from the fallback waits for the window
    const ok = run(spec, 7, queueReadings(10), history, T0 + 60_000);
    expect(ok.fallback).toBe(false);
    expect(ok.history.consecutiveFailures).toBe(0);
    expect(ok.desiredReplicas).toBe(7);
  });

  it('a failed Prometheus read with a healthy queue allows scale-up, never scale-down', () => {
    const s = specFor({ targets: { backlogPerReplica: 5, lagP95Seconds: 10 }, prometheus: { url: 'http://prom:9090' }, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    const lagDown = { ok: false as const, error: 'HTTP 503' };
    expect(run(s, 4, { ...queueReadings(40), lagP95: lagDown }).desiredReplicas).toBe(8);
    expect(run(s, 6, { ...queueReadings(0), lagP95: lagDown }).desiredReplicas).toBe(6);
    expect(run(s, 2, { ...queueReadings(0), lagP95: { ok: true, value: 30 } }).desiredReplicas).toBe(6);
  });

  it('paused leaves the count as it is', () => {
    const d = run(specFor({ paused: true }), 3, queueReadings(1000));
    expect(d.desiredReplicas).toBe(3);
    expect(d.reason).toBe('Paused');
  });
});
