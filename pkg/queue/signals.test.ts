import { describe, expect, it } from 'vitest';
import { toSignals, validateQueueName, type RawSignals } from './signals.ts';

describe('toSignals', () => {
  const raw = (over: Partial<Record<number, number | string>> = {}): RawSignals => {
    const base: RawSignals = [3, 1, 2, 5, 2, 4, 0, 10, 1, 0, '1000'];
    for (const [i, v] of Object.entries(over)) (base as unknown[])[Number(i)] = v;
    return base;
  };

  it('sums waiting, prioritized, due delayed and legacy paused into the ready backlog', () => {
    const s = toSignals(raw(), 'q', 'bull', 4000);
    expect(s.readyBacklog).toBe(3 + 2 + 2 + 1);
    expect(s.counts).toEqual({ waiting: 3, paused: 1, prioritized: 2, delayed: 5, delayedDue: 2, active: 4, waitingChildren: 0, completed: 10, failed: 1 });
    expect(s.oldestReadyAgeSeconds).toBe(3);
  });

  it('reports age 0 with no ready job and clamps clock skew at 0', () => {
    expect(toSignals(raw({ 0: 0, 1: 0, 2: 0, 4: 0 }), 'q', 'bull', 4000).oldestReadyAgeSeconds).toBe(0);
    expect(toSignals(raw({ 10: '-1' }), 'q', 'bull', 4000).oldestReadyAgeSeconds).toBe(0);
    expect(toSignals(raw({ 10: '9000' }), 'q', 'bull', 4000).oldestReadyAgeSeconds).toBe(0);
  });

  it('reads the paused flag', () => {
    expect(toSignals(raw({ 9: 1 }), 'q', 'bull', 0).isPaused).toBe(true);
  });

  it('validates queue names', () => {
    expect(() => validateQueueName('')).toThrow(/non-empty/);
    expect(() => validateQueueName('a b')).toThrow(/whitespace/);
    expect(validateQueueName('render')).toBe('render');
  });
});
