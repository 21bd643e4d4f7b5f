import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerResponse } from 'node:http';
import { DeadlineSweeper } from './deadlines.ts';
import { PendingGet } from './pending-get.ts';

describe('DeadlineSweeper', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('expires only unsettled deadlines, in order, never after the timeout', () => {
    let now = 0;
    const sweeper = new DeadlineSweeper({ timeoutMs: 100, resolutionMs: 10, now: () => now });
    const fired: string[] = [];
    const a = sweeper.start(() => fired.push('a'));
    now = 5;
    const b = sweeper.start(() => fired.push('b'));
    now = 6;
    sweeper.start(() => fired.push('c'));
    expect(sweeper.settle(b)).toBe(true);
    expect(sweeper.settle(b)).toBe(false);
    now = 89;
    sweeper.sweep();
    expect(fired).toEqual([]);
    now = 90; // a's deadline: 100 - one sweep period
    sweeper.sweep();
    expect(fired).toEqual(['a']);
    expect(a.settled).toBe(true);
    expect(sweeper.settle(a)).toBe(false); // fired: the op must not answer again
    now = 96;
    sweeper.sweep();
    expect(fired).toEqual(['a', 'c']);
    expect(sweeper.pending).toBe(0);
    sweeper.stop();
  });

  it('fires on its own timer, one sweep period early at most, and stops it when nothing is pending', async () => {
    vi.useFakeTimers();
    const sweeper = new DeadlineSweeper({ timeoutMs: 20, resolutionMs: 2, now: () => Date.now() });
    let fired = false;
    sweeper.start(() => { fired = true; });
    await vi.advanceTimersByTimeAsync(17);
    expect(fired).toBe(false);
    await vi.advanceTimersByTimeAsync(3);
    expect(fired).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    expect(sweeper.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tracks a PendingGet as its own record: expired once by the sweep unless the answer settled it first', () => {
    let now = 0;
    const sweeper = new DeadlineSweeper({ timeoutMs: 100, resolutionMs: 10, now: () => now });
    const timedOut: string[] = [];
    const outcomes = {
      timedOut: (res: ServerResponse, m: string) => { timedOut.push(`${(res as unknown as { id: string }).id}:${m}`); },
      answered: () => {},
      failed: () => {},
    };
    const res = (id: string) => ({ id }) as unknown as ServerResponse;
    const late = new PendingGet(sweeper.deadlineFrom(sweeper.now()), sweeper.now(), 's', res('late'), 'm1', outcomes);
    sweeper.track(late);
    now = 50;
    const answered = new PendingGet(sweeper.deadlineFrom(sweeper.now()), sweeper.now(), 's', res('answered'), 'm2', outcomes);
    sweeper.track(answered);
    expect(answered.at).toBe(140);
    expect(answered.settle()).toBe(true);
    now = 90;
    sweeper.sweep();
    expect(timedOut).toEqual(['late:m1']);
    expect(late.settle()).toBe(false); // the deadline answered: the backend's late reply must not
    now = 200;
    sweeper.sweep();
    expect(timedOut).toEqual(['late:m1']);
    expect(sweeper.pending).toBe(0);
    sweeper.stop();
  });

  it('rejects a non-positive timeout', () => {
    expect(() => new DeadlineSweeper({ timeoutMs: 0 })).toThrow(RangeError);
  });
});
