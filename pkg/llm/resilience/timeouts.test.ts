import { describe, expect, it } from 'vitest';
import { Timeouts } from './timeouts.ts';

describe('Timeouts', () => {
  it('aborts with the given reason once due, and not when cleared', async () => {
    const t = new Timeouts(5);
    const due = new AbortController();
    const cleared = new AbortController();
    t.add(20, due, () => new Error('late'));
    const e = t.add(20, cleared, () => new Error('never'));
    t.clear(e);
    await new Promise((r) => setTimeout(r, 60));
    expect(due.signal.aborted).toBe(true);
    expect((due.signal.reason as Error).message).toBe('late');
    expect(cleared.signal.aborted).toBe(false);
    expect(t.size).toBe(0);
  });

  it('can be pushed back by moving `at` (idle timeouts)', async () => {
    const t = new Timeouts(5);
    const c = new AbortController();
    const entry = t.add(30, c, () => 'idle');
    for (let i = 0; i < 4; i++) { await new Promise((r) => setTimeout(r, 15)); entry.at = Date.now() + 30; }
    expect(c.signal.aborted).toBe(false);
    t.clear(entry);
  });
});
