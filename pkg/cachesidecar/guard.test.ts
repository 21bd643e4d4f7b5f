import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendGuard, type GuardState } from './guard.ts';

// Fake timers: the probe interval passes without the test waiting for it.
const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('BackendGuard', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('opens after consecutive failures only, and a success resets the count', () => {
    const guard = new BackendGuard({ probe: async () => { throw new Error('down'); }, failureThreshold: 3, probeIntervalMs: 1000 });
    guard.failure('x');
    guard.failure('x');
    guard.success();
    guard.failure('x');
    guard.failure('x');
    expect(guard.state).toBe('closed');
    guard.failure('x');
    expect(guard.state).toBe('open');
    guard.stop();
  });

  it('probes while open and closes on the first successful probe', async () => {
    vi.useFakeTimers();
    let up = false;
    let probes = 0;
    const changes: GuardState[] = [];
    const guard = new BackendGuard({
      probe: async () => { probes++; if (!up) throw new Error('still down'); },
      failureThreshold: 1, probeIntervalMs: 5, onStateChange: (s) => changes.push(s),
    });
    guard.failure('connection closed'); // threshold 1: opens at once
    await tick(30);
    expect(guard.state).toBe('open');
    expect(probes).toBe(6); // one per 5 ms interval
    expect(guard.snapshot().lastError).toBe('still down');
    up = true;
    await tick(30);
    expect(guard.state).toBe('closed');
    expect(changes).toEqual(['open', 'closed']);
    const after = probes;
    await tick(20);
    expect(probes).toBe(after); // no probing while closed
  });

  it('checks its options', () => {
    expect(() => new BackendGuard({ probe: async () => {}, failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new BackendGuard({ probe: async () => {}, probeIntervalMs: 0 })).toThrow(RangeError);
  });
});
