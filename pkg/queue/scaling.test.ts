import { describe, expect, it } from 'vitest';
import { scalingSignals, type ScalingInput } from './scaling.ts';

const base: ScalingInput = { readyBacklog: 0, active: 0, oldestReadyAgeSeconds: 0, isPaused: false, workers: 2, totalConcurrency: 16 };

describe('scalingSignals', () => {
  it('asks for enough workers to run active jobs and the ready backlog', () => {
    const s = scalingSignals({ ...base, readyBacklog: 40, active: 16 });
    expect(s.desiredWorkers).toBe(7); // (16 + 40) / 8 per worker
    expect(s.backlogPerSlot).toBe(2.5);
    expect(s.utilization).toBe(1);
    expect(s.reason).toBe('backlog');
  });
  it('scales from zero with the default concurrency and never divides by zero', () => {
    const s = scalingSignals({ ...base, workers: 0, totalConcurrency: 0, readyBacklog: 3 });
    expect(s.desiredWorkers).toBe(1);
    expect(s.backlogPerSlot).toBe(3);
    expect(s.utilization).toBe(0);
  });
  it('adds a worker when the oldest ready job is too old although the count looks fine', () => {
    const s = scalingSignals({ ...base, readyBacklog: 1, active: 4, oldestReadyAgeSeconds: 120 });
    expect(s.desiredWorkers).toBe(3);
    expect(s.reason).toBe('age');
  });
  it('holds while paused, scales to the minimum when idle, and caps at the maximum', () => {
    expect(scalingSignals({ ...base, isPaused: true, readyBacklog: 500 }).desiredWorkers).toBe(2);
    expect(scalingSignals(base).desiredWorkers).toBe(0);
    expect(scalingSignals(base, { minWorkers: 1 })).toMatchObject({ desiredWorkers: 1, reason: 'min' });
    expect(scalingSignals({ ...base, readyBacklog: 10_000 }, { maxWorkers: 10 })).toMatchObject({ desiredWorkers: 10, reason: 'max' });
  });
  it('tolerates a backlog per slot above 1 when the target says so', () => {
    expect(scalingSignals({ ...base, readyBacklog: 40, active: 16 }, { targetBacklogPerSlot: 5 }).desiredWorkers).toBe(3); // (16 + 8) / 8
  });
});
