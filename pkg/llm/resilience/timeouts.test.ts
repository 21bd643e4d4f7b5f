import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Timeouts } from './timeouts.ts';

// Fake timers (and Date): the sweep's timing is driven by the test, not by how busy the machine is.
beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('Timeouts', () => {
  it('aborts with the given reason once due, and not when cleared', () => {
    const t = new Timeouts(5);
    const due = new AbortController();
    const cleared = new AbortController();
    t.add(20, due, () => new Error('late'));
    const e = t.add(20, cleared, () => new Error('never'));
    t.clear(e);
    vi.advanceTimersByTime(15);
    expect(due.signal.aborted).toBe(false);
    vi.advanceTimersByTime(45);
    expect(due.signal.aborted).toBe(true);
    expect((due.signal.reason as Error).message).toBe('late');
    expect(cleared.signal.aborted).toBe(false);
    expect(t.size).toBe(0);
  });

  it('can be pushed back by moving `at` (idle timeouts)', () => {
    const t = new Timeouts(5);
    const c = new AbortController();
    const entry = t.add(30, c, () => 'idle');
    for (let i = 0; i < 4; i++) { vi.advanceTimersByTime(15); entry.at = Date.now() + 30; }
    expect(c.signal.aborted).toBe(false);
    vi.advanceTimersByTime(40);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe('idle');
    t.clear(entry);
  });
});
