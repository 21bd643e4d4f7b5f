import { afterAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Metrics } from '../../pkg/metrics/index.ts';
import { QueueCollector, instrumentWorker } from '../../pkg/queue/index.ts';
import { sharedRedisUrl, startRedis } from '../fixtures/redis.ts';
import { bullConnection, eventually, metricValue, uniqueQueueName } from '../fixtures/queue-helpers.ts';

const opsConnection = (url: string) => new Redis(url, { protocol: 2, maxRetriesPerRequest: 1, commandTimeout: 1000, enableOfflineQueue: false, retryStrategy: () => 50 });

describe('elected queue collector', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  it('elects exactly one collector among several workers, and another takes over when it dies', async () => {
    const name = uniqueQueueName('elect');
    const queue = new Queue(name, { connection: bullConnection(sharedRedisUrl()) });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    for (let i = 0; i < 4; i++) await queue.add('j', {});
    const pods = Array.from({ length: 3 }, (_, i) => {
      const redis = opsConnection(sharedRedisUrl());
      closers.push(async () => redis.quit());
      const metrics = new Metrics({ defaultMetrics: false });
      const collector = new QueueCollector({ redis, queues: [name], metrics, intervalMs: 100, lockTtlMs: 400, id: `pod-${i}` });
      return { metrics, collector, redis };
    });
    await eventually(() => (pods.every((p) => p.redis.status === 'ready') ? true : undefined), 'connections');
    for (let round = 0; round < 3; round++) await Promise.all(pods.map((p) => p.collector.tick()));

    const leaders = pods.filter((p) => p.collector.isLeader(name));
    expect(leaders).toHaveLength(1);
    let leaderFlags = 0;
    for (const p of pods) leaderFlags += await metricValue(p.metrics, 'bullmq_queue_collector_leader', { queue: name });
    expect(leaderFlags).toBe(1);
    // Only the leader exports queue-side series.
    const backlogs = await Promise.all(pods.map(async (p) => (await p.metrics.text()).includes(`bullmq_queue_ready_backlog{queue="${name}"}`)));
    expect(backlogs.filter(Boolean)).toHaveLength(1);
    expect(await metricValue(leaders[0].metrics, 'bullmq_queue_ready_backlog', { queue: name })).toBe(4);
    expect(await metricValue(leaders[0].metrics, 'bullmq_queue_jobs', { queue: name, state: 'waiting' })).toBe(4);

    // The leader dies without a word: it stops ticking and never releases its lock.
    const dead = leaders[0];
    const alive = pods.filter((p) => p !== dead);
    const next = await eventually(async () => {
      await Promise.all(alive.map((p) => p.collector.tick()));
      const l = alive.filter((p) => p.collector.isLeader(name));
      return l.length === 1 ? l[0] : undefined;
    }, 'a new leader after the lock TTL');
    expect(await metricValue(next.metrics, 'bullmq_queue_ready_backlog', { queue: name })).toBe(4);
    expect(alive.filter((p) => p.collector.isLeader(name))).toHaveLength(1);

    // A clean stop hands over at once.
    await next.collector.stop();
    const last = alive.find((p) => p !== next)!;
    await last.collector.tick();
    expect(last.collector.isLeader(name)).toBe(true);
  });

  it('survives a Redis restart: no crash, queue series withdrawn while down, metrics resume after', async () => {
    const redisProc = await startRedis();
    closers.push(() => redisProc.stop());
    const name = uniqueQueueName('restart');
    const metrics = new Metrics({ defaultMetrics: false });
    const ops = opsConnection(redisProc.url);
    ops.on('error', () => undefined);
    closers.push(async () => ops.disconnect());
    const producerConn = bullConnection(redisProc.url, { retryStrategy: () => 50 });
    producerConn.on('error', () => undefined);
    const queue = new Queue(name, { connection: producerConn });
    queue.on('error', () => undefined);
    closers.push(() => queue.close());
    const worker = new Worker(name, async () => 'ok', { connection: bullConnection(redisProc.url, { retryStrategy: () => 50 }), runRetryDelay: 50 });
    const workerErrors: unknown[] = [];
    worker.on('error', (err) => workerErrors.push(err));
    const inst = instrumentWorker(worker, { metrics, heartbeatRedis: ops, heartbeatMs: 100 });
    closers.push(() => inst.stop().then(() => worker.close(true)));
    const errorsSeen: unknown[] = [];
    const collector = new QueueCollector({ redis: ops, queues: [name], metrics, intervalMs: 100, onError: (_q, err) => errorsSeen.push(err) });
    closers.push(() => collector.stop());

    const completed = () => metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'completed' });
    await queue.add('before', {});
    await eventually(async () => ((await completed()) === 1 ? true : undefined), 'the first job');
    await eventually(async () => { await collector.tick(); return collector.isLeader(name) ? true : undefined; }, 'leadership');

    await redisProc.kill();
    await collector.tick();
    expect(collector.isLeader(name)).toBe(false);
    expect(errorsSeen.length).toBeGreaterThan(0);
    expect(await metricValue(metrics, 'bullmq_queue_collect_errors_total', { queue: name })).toBeGreaterThan(0);
    expect(await metrics.text()).not.toContain(`bullmq_queue_ready_backlog{queue="${name}"}`);

    await redisProc.restart();
    // Everything in Redis is gone (nothing persisted); the same processes carry on.
    await eventually(async () => { await queue.add('after', {}); return true; }, 'the producer to reconnect');
    await eventually(async () => ((await completed()) >= 2 ? true : undefined), 'jobs to flow again', 20_000);
    await eventually(async () => { await collector.tick(); return collector.isLeader(name) ? true : undefined; }, 'the collector to lead again');
    expect(await metrics.text()).toContain(`bullmq_queue_ready_backlog{queue="${name}"}`);
    // The worker's capacity heartbeat re-registers it in the emptied Redis.
    await eventually(async () => { await collector.tick(); return (await metricValue(metrics, 'bullmq_queue_workers', { queue: name })) === 1 ? true : undefined; }, 'the worker to re-register');
  });
});
