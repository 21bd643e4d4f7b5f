import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderByLatency, orderByWeight, weightedPick, type Choice } from './balance.ts';
import { LatencyTracker } from './latency.ts';

const c = (name: string, weight = 1, allows = true, latencyMs?: number): Choice => ({ name, weight, allows, latencyMs });

describe('weightedPick', () => {
  it('picks in proportion to weight over the unit interval', () => {
    const choices = [c('a', 3), c('b', 1)];
    expect(weightedPick(choices, 0).name).toBe('a');
    expect(weightedPick(choices, 0.749).name).toBe('a');
    expect(weightedPick(choices, 0.75).name).toBe('b');
    expect(weightedPick(choices, 0.999999).name).toBe('b');
  });
});

describe('orderByWeight', () => {
  it('puts every upstream exactly once, open breakers last', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: 0.01, max: 100, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (ws, u) => {
      const choices = ws.map(([w, allows], i) => c(`u${i}`, w, allows));
      const order = orderByWeight(choices, u);
      expect([...order].sort()).toEqual(choices.map((x) => x.name).sort());
      if (choices.some((x) => x.allows)) {
        const firstClosed = order.findIndex((n) => !choices.find((x) => x.name === n)!.allows);
        if (firstClosed >= 0) expect(order.slice(firstClosed).every((n) => !choices.find((x) => x.name === n)!.allows)).toBe(true);
      }
    }));
  });

  it('skips an upstream whose breaker is open, whatever the draw', () => {
    for (const u of [0, 0.3, 0.99]) expect(orderByWeight([c('a', 100, false), c('b', 1)], u)).toEqual(['b', 'a']);
  });
});

describe('orderByLatency', () => {
  it('measures an unmeasured upstream first, then prefers the lowest average', () => {
    expect(orderByLatency([c('a', 1, true, 5), c('b')], 0.1, 0.9, 0.9)[0]).toBe('b');
    expect(orderByLatency([c('a', 1, true, 50), c('b', 1, true, 5), c('z', 1, true, 20)], 0.1, 0.9, 0)).toEqual(['b', 'z', 'a']);
  });

  it('explores a slower upstream on a draw below the exploring share, so a recovered one gets measured again', () => {
    expect(orderByLatency([c('slow', 1, true, 50), c('fast', 1, true, 5)], 0.1, 0.05, 0.1)[0]).toBe('slow');
    expect(orderByLatency([c('slow', 1, true, 50), c('fast', 1, true, 5)], 0.1, 0.15, 0.1)[0]).toBe('fast');
  });

  it('never picks an open breaker first', () => {
    expect(orderByLatency([c('a', 1, false, 1), c('b', 1, true, 99)], 0.5, 0, 0)).toEqual(['b', 'a']);
  });
});

describe('LatencyTracker', () => {
  it('moves its average toward new samples by alpha', () => {
    const t = new LatencyTracker(0.5);
    expect(t.get('a')).toBeUndefined();
    t.observe('a', 10);
    t.observe('a', 20);
    expect(t.get('a')).toBe(15);
  });
});
