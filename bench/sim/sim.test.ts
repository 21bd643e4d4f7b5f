import { describe, expect, it } from 'vitest';
import { simulate, type Policy } from './model.ts';
import { controllerPolicy, kedaStylePolicy } from './policies.ts';
import { burstyTrace } from './trace.ts';

const fixed = (n: number): Policy => ({ name: `fixed ${n}`, pollSeconds: 60, decide: () => n });

describe('autoscaler simulation', () => {
  const trace = burstyTrace({ seed: 42, durationSeconds: 3600 });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = burstyTrace({ seed: 42, durationSeconds: 3600 });
    expect(Array.from(again.arrivals)).toEqual(Array.from(trace.arrivals));
    expect(Array.from(burstyTrace({ seed: 43, durationSeconds: 3600 }).arrivals)).not.toEqual(Array.from(trace.arrivals));
    const a = simulate(trace, controllerPolicy('c', { maxReplicas: 40, targets: { backlogPerReplica: 20 } }), { seed: 1 });
    const b = simulate(trace, controllerPolicy('c', { maxReplicas: 40, targets: { backlogPerReplica: 20 } }), { seed: 1 });
    expect(a).toEqual(b);
  });

  it('a fixed count costs exactly count × seconds; too few pods miss the SLO, plenty meet it', () => {
    const few = simulate(trace, fixed(1), { seed: 1 });
    const many = simulate(trace, fixed(60), { seed: 1 });
    expect(few.replicaSeconds).toBe(3600);
    expect(many.replicaSeconds).toBe(60 * 3600);
    expect(few.sloViolationShare).toBeGreaterThan(0.5);
    expect(many.sloViolationShare).toBeLessThan(0.02);
  });

  it('KEDA-style waits for its 30 s poll to leave zero and for the 300 s cooldown to return to it', () => {
    const quiet = { arrivals: new Uint16Array(1200), rate: new Float64Array(1200) };
    quiet.arrivals[5] = 3;
    const seen: number[] = [];
    const keda = kedaStylePolicy('k', { listLength: 5, maxReplicas: 10 });
    const probe: Policy = { name: 'probe', pollSeconds: 1, decide: (o) => { const d = keda.decide(o); seen.push(d); return d; } };
    simulate(quiet, probe, { seed: 1 });
    expect(seen.indexOf(1)).toBe(30); // first poll after the arrival at t=5
    const backToZero = seen.findIndex((d, t) => t > 30 && d === 0);
    expect(backToZero).toBeGreaterThanOrEqual(30 + 300);
  });
});
