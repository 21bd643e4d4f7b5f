import { afterAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { readQueueSignals } from '../../pkg/queue/index.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { bullConnection, eventually, uniqueQueueName } from '../fixtures/queue-helpers.ts';

describe('readQueueSignals against real BullMQ queues', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });
  const conn = (): Redis => {
    const c = bullConnection(sharedRedisUrl());
    closers.push(async () => c.quit());
    return c;
  };

  it('counts waiting, prioritized and due-but-unpromoted delayed jobs with zero workers', async () => {
    const name = uniqueQueueName('sig');
    const queue = new Queue(name, { connection: conn() });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    const t0 = Date.now();
    // Oldest ready job: a plain job created 40 s before t0.
    await queue.add('a', {}, { timestamp: t0 - 40_000 });
    await queue.add('b', {}, { timestamp: t0 - 10_000 });
    await queue.add('c', {}, { timestamp: t0 - 5_000 });
    await queue.add('p1', {}, { priority: 1, timestamp: t0 - 20_000 });
    await queue.add('p9', {}, { priority: 9, timestamp: t0 - 30_000 });
    await queue.add('p9b', {}, { priority: 9, timestamp: t0 - 1_000 });
    // Delayed: due at t0+1000 and t0+2000, not due at t0+600000.
    await queue.add('d1', {}, { delay: 1_000, timestamp: t0 });
    await queue.add('d2', {}, { delay: 2_000, timestamp: t0 });
    await queue.add('d3', {}, { delay: 600_000, timestamp: t0 });

    const r = conn();
    const before = await readQueueSignals(r, { name, now: t0 });
    expect(before.counts).toMatchObject({ waiting: 3, prioritized: 3, delayed: 3, delayedDue: 0, active: 0, paused: 0 });
    expect(before.readyBacklog).toBe(6);
    expect(before.oldestReadyAgeSeconds).toBeCloseTo(40, 3);
    expect(before.isPaused).toBe(false);

    // Later, with no worker to promote them, two delayed jobs are due and count as ready.
    const later = await readQueueSignals(r, { name, now: t0 + 2_000 });
    expect(later.counts.delayed).toBe(3);
    expect(later.counts.delayedDue).toBe(2);
    expect(later.readyBacklog).toBe(8);
    expect(later.oldestReadyAgeSeconds).toBeCloseTo(42, 3);
    // BullMQ's own cutoff count (strictly before) agrees.
    expect(await queue.getDelayedCount(t0 + 2_001)).toBe(2);
  });

  it('finds the oldest job in a lower priority band, and the oldest due delayed job', async () => {
    const name = uniqueQueueName('sig');
    const queue = new Queue(name, { connection: conn() });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    const t0 = Date.now();
    await queue.add('high', {}, { priority: 1, timestamp: t0 - 1_000 });
    await queue.add('low-old', {}, { priority: 50, timestamp: t0 - 90_000 });
    await queue.add('low-new', {}, { priority: 50, timestamp: t0 - 2_000 });
    const r = conn();
    const s = await readQueueSignals(r, { name, now: t0 });
    expect(s.oldestReadyAgeSeconds).toBeCloseTo(90, 3);
    // With one band examined, only the highest priority is seen.
    const narrow = await readQueueSignals(r, { name, now: t0, maxPriorityBands: 1 });
    expect(narrow.oldestReadyAgeSeconds).toBeCloseTo(1, 3);

    const name2 = uniqueQueueName('sig');
    const q2 = new Queue(name2, { connection: conn() });
    closers.push(() => q2.obliterate({ force: true }).then(() => q2.close()));
    await q2.add('d', {}, { delay: 5_000, timestamp: t0 - 60_000 }); // ready at t0-55s, never promoted
    const s2 = await readQueueSignals(r, { name: name2, now: t0 });
    expect(s2.counts).toMatchObject({ waiting: 0, delayed: 1, delayedDue: 1 });
    expect(s2.readyBacklog).toBe(1);
    expect(s2.oldestReadyAgeSeconds).toBeCloseTo(55, 3);
  });

  it('counts active jobs and reports a paused queue; an empty queue reads zero', async () => {
    const name = uniqueQueueName('sig');
    const queue = new Queue(name, { connection: conn() });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    const r = conn();
    const empty = await readQueueSignals(r, { name });
    expect(empty.readyBacklog).toBe(0);
    expect(empty.oldestReadyAgeSeconds).toBe(0);

    let release!: () => void;
    const held = new Promise<void>((res) => { release = res; });
    const worker = new Worker(name, async () => held, { connection: conn(), concurrency: 2 });
    closers.push(() => worker.close(true));
    for (let i = 0; i < 5; i++) await queue.add('j', { i });
    const s = await eventually(async () => {
      const v = await readQueueSignals(r, { name });
      return v.counts.active === 2 ? v : undefined;
    }, 'two active jobs');
    expect(s.counts.waiting).toBe(3);
    expect(s.readyBacklog).toBe(3);

    await queue.pause();
    const paused = await readQueueSignals(r, { name });
    expect(paused.isPaused).toBe(true);
    expect(paused.readyBacklog).toBe(3);
    release();
    await queue.resume();
  });

  it('rejects bad arguments with a coded error', async () => {
    const r = conn();
    await expect(readQueueSignals(r, { name: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(readQueueSignals(r, { name: 'x', now: -5 })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
