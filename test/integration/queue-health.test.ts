import { afterAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Metrics } from '#pkg/metrics/index.ts';
import { createAdminServer, listen, closeServer } from '#pkg/http/index.ts';
import { QueueCollector, WorkerHealthService, instrumentWorker, type QueueHealth } from '#pkg/queue/index.ts';
import { sharedRedisUrl, startRedis } from '../fixtures/redis.ts';
import { bullConnection, uniqueQueueName } from '../fixtures/queue-helpers.ts';
import { eventually } from '../fixtures/poll.ts';

/** The collector/health connection as the worker configures it; resolves once ready (it queues nothing while offline). */
const ops = async (url: string) => {
  const r = new Redis(url, { protocol: 2, maxRetriesPerRequest: 1, commandTimeout: 1000, enableOfflineQueue: false, retryStrategy: () => 50 });
  r.on('error', () => undefined);
  await new Promise((resolve) => r.once('ready', resolve));
  return r;
};

describe('WorkerHealthService over HTTP', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  it('reports counts, backlog, age and a status from the thresholds; the collector snapshot serves every pod', async () => {
    const name = uniqueQueueName('health');
    const queue = new Queue(name, { connection: bullConnection(sharedRedisUrl()) });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    const t0 = Date.now();
    await queue.add('old', {}, { timestamp: t0 - 90_000 }); // ready 90 s ago: degraded (>= 60 s)
    await queue.add('p', {}, { priority: 2 });

    // Pod A leads the collection; pod B only serves the API from A's published snapshot.
    const redisA = await ops(sharedRedisUrl());
    const redisB = await ops(sharedRedisUrl());
    closers.push(async () => { redisA.disconnect(); redisB.disconnect(); });
    const metricsA = new Metrics({ defaultMetrics: false });
    const collector = new QueueCollector({ redis: redisA, queues: [name], metrics: metricsA, id: 'pod-a' });
    await collector.tick();
    expect(collector.isLeader(name)).toBe(true);
    const metricsB = new Metrics({ defaultMetrics: false });
    const health = new WorkerHealthService({ queues: [name], metrics: metricsB, redis: redisB });
    const server = createAdminServer({ metrics: metricsB, routes: health.routes() });
    const port = await listen(server, 0, '127.0.0.1');
    closers.push(() => closeServer(server));

    const res = await fetch(`http://127.0.0.1:${port}/v1/queues/${name}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as QueueHealth;
    expect(body).toMatchObject({ queue: name, source: 'collector', status: 'degraded', readyBacklog: 2, counts: { waiting: 1, prioritized: 1 }, isPaused: false });
    expect(body.oldestReadyAgeSeconds).toBeGreaterThanOrEqual(90);
    expect(body.reasons.join(' ')).toMatch(/oldest ready job waited/);
    expect(body.reasons).toContain('ready jobs but no live worker');
    expect(body.autoscaling).toMatchObject({ desiredWorkers: 1 });
    const list = (await (await fetch(`http://127.0.0.1:${port}/v1/queues`)).json()) as { queues: QueueHealth[] };
    expect(list.queues).toHaveLength(1);
    const unknown = await fetch(`http://127.0.0.1:${port}/v1/queues/other`);
    expect(unknown.status).toBe(404);
    await expect(health.queue('other')).rejects.toMatchObject({ code: 'unknown_queue' });
  });

  it('is healthy once a worker drains the queue, with local rates and lag percentiles', async () => {
    const name = uniqueQueueName('health');
    const queue = new Queue(name, { connection: bullConnection(sharedRedisUrl()) });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    const metrics = new Metrics({ defaultMetrics: false });
    const redis = await ops(sharedRedisUrl());
    closers.push(async () => redis.disconnect());
    const worker = new Worker(name, async () => 'ok', { connection: bullConnection(sharedRedisUrl()), concurrency: 4 });
    const inst = instrumentWorker(worker, { metrics, heartbeatRedis: redis, heartbeatMs: 100 });
    closers.push(() => inst.stop().then(() => worker.close()));
    await queue.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'j', data: { i } })));
    const health = new WorkerHealthService({ queues: [name], metrics, redis });
    const h = await eventually(async () => {
      const now = await health.queue(name);
      return now.counts?.completed === 30 && now.capacity?.workers === 1 ? now : undefined;
    }, 'the queue drained and the worker\'s heartbeat seen', 10_000);
    expect(h).toMatchObject({ status: 'healthy', source: 'direct', readyBacklog: 0, capacity: { workers: 1, totalConcurrency: 4 }, local: { concurrency: 4 } });
    expect(h!.local.processedPerSec['1m']).toBeGreaterThan(0);
    expect(h!.local.errorRatio['1m']).toBe(0);
    expect(h!.local.lagSeconds.p95).not.toBeNull();
  });

  it('says unhealthy with null figures when Redis is unreachable, and /readyz-style checks keep answering', async () => {
    const r = await startRedis();
    const name = uniqueQueueName('health');
    const redis = await ops(r.url);
    closers.push(async () => redis.disconnect());
    const health = new WorkerHealthService({ queues: [name], metrics: new Metrics({ defaultMetrics: false }), redis });
    await r.kill();
    const h = await health.queue(name);
    expect(h).toMatchObject({ status: 'unhealthy', source: 'unavailable', counts: null, readyBacklog: null });
    expect(h.reasons[0]).toMatch(/Redis unavailable/);
  });
});
