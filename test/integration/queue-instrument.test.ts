import { afterAll, describe, expect, it } from 'vitest';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Metrics } from '../../pkg/metrics/index.ts';
import { instrumentQueue, instrumentWorker } from '../../pkg/queue/index.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { bullConnection, eventually, metricValue, uniqueQueueName } from '../fixtures/queue-helpers.ts';

describe('worker and producer instrumentation with real BullMQ', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });
  const conn = (): Redis => {
    const c = bullConnection(sharedRedisUrl());
    closers.push(async () => c.quit());
    return c;
  };
  const setup = (tag: string) => {
    const name = uniqueQueueName(tag);
    const metrics = new Metrics({ defaultMetrics: false });
    const queue = new Queue(name, { connection: conn() });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    return { name, metrics, queue };
  };
  const lag = (metrics: Metrics, name: string, series: string, le?: string) =>
    metricValue(metrics, 'bullmq_queue_lag_seconds', le ? { queue: name, le } : { queue: name }, series);

  // Contract test of a library internal (docs/development.md, "Reliance on library internals"): instrumentWorker
  // replaces BullMQ's undocumented Worker#callProcessJob(job, token, signal), which processJob calls once per
  // attempt, deferrals included. bullmq is pinned exactly; an upgrade that renames or bypasses it fails here.
  it('finds BullMQ\'s Worker#callProcessJob and sees every attempt through it, a deferred one too', async () => {
    expect(typeof (Worker.prototype as unknown as Record<string, unknown>).callProcessJob, 'bullmq: Worker.prototype.callProcessJob is gone; pkg/queue/instrument-worker.ts wraps it').toBe('function');
    const { name, queue } = setup('contract');
    await queue.add('deferred', {});
    const worker = new Worker(name, async (job: Job, token?: string) => {
      if (job.attemptsStarted === 1) {
        await job.moveToDelayed(Date.now() + 1, token);
        throw new DelayedError();
      }
      return 'ok';
    }, { connection: conn(), autorun: false });
    const seen: Array<{ id: string | undefined; token: unknown }> = [];
    const target = worker as unknown as { callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> };
    const original = target.callProcessJob;
    target.callProcessJob = function (job, token, signal) {
      seen.push({ id: job.id, token });
      return original.call(worker, job, token, signal);
    };
    closers.push(() => worker.close());
    void worker.run();
    await eventually(async () => ((await queue.getJobCounts('completed')).completed === 1 ? true : undefined), 'the deferred job completed');
    expect(seen.length, 'bullmq: processJob no longer calls Worker#callProcessJob once per attempt').toBe(2);
    expect(typeof seen[0].token, 'bullmq: Worker#callProcessJob no longer receives the lock token second').toBe('string');
  });

  it('measures lag of delayed and prioritized jobs from timestamp + opts.delay', async () => {
    const { name, metrics, queue } = setup('lag');
    const producer = instrumentQueue(queue, { metrics });
    expect(() => instrumentQueue(queue, { metrics })).toThrow(expect.objectContaining({ code: 'already_instrumented' }));
    const t0 = Date.now();
    // Created 60 s ago with a 50 s delay: ready 10 s ago. job.delay is 0 once promoted, so
    // a lag from job.delay would read ~60 s.
    await queue.add('delayed', {}, { timestamp: t0 - 60_000, delay: 50_000 });
    // Prioritized, ready 20 s ago.
    await queue.addBulk([{ name: 'prio', data: {}, opts: { priority: 3, timestamp: t0 - 20_000 } }]);
    expect(await metricValue(metrics, 'bullmq_jobs_enqueued_total', { queue: name })).toBe(2);

    const worker = new Worker(name, async () => 'ok', { connection: conn(), autorun: false });
    const inst = instrumentWorker(worker, { metrics });
    expect(() => instrumentWorker(worker, { metrics })).toThrow(expect.objectContaining({ code: 'already_instrumented' }));
    closers.push(() => inst.stop().then(() => worker.close()));
    void worker.run();
    await eventually(async () => ((await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'completed' })) === 2 ? true : undefined), 'two completed jobs');

    expect(await lag(metrics, name, 'bullmq_queue_lag_seconds_count')).toBe(2);
    // Both lags lie in (5, 30] s: 10 s and 20 s.
    expect(await lag(metrics, name, 'bullmq_queue_lag_seconds_bucket', '5')).toBe(0);
    expect(await lag(metrics, name, 'bullmq_queue_lag_seconds_bucket', '10')).toBe(0);
    expect(await lag(metrics, name, 'bullmq_queue_lag_seconds_bucket', '30')).toBe(2);
    const sum = await lag(metrics, name, 'bullmq_queue_lag_seconds_sum');
    expect(sum).toBeGreaterThan(30);
    expect(sum).toBeLessThan(50);
    expect(await metricValue(metrics, 'bullmq_job_process_duration_seconds', { queue: name, status: 'ok' }, 'bullmq_job_process_duration_seconds_count')).toBe(2);
    expect(inst.telemetry.stats().lagSeconds.p50).not.toBeNull();

    // A rejected add counts as an enqueue error, not as enqueued.
    await expect(queue.add('bad', {}, { priority: 1.5 })).rejects.toThrow(/Priority/);
    expect(await metricValue(metrics, 'bullmq_enqueue_errors_total', { queue: name })).toBe(1);
    expect(await metricValue(metrics, 'bullmq_jobs_enqueued_total', { queue: name })).toBe(2);
    producer.stop();
    await queue.add('after-stop', {});
    expect(await metricValue(metrics, 'bullmq_jobs_enqueued_total', { queue: name })).toBe(2);
  });

  it('keeps retries out of lag and counts them apart', async () => {
    const { name, metrics, queue } = setup('retry');
    const t0 = Date.now();
    await queue.add('flaky', {}, { timestamp: t0 - 100_000, attempts: 3 });
    const worker = new Worker(name, async (job: Job) => {
      if (job.attemptsMade < 2) throw new Error('not yet');
      return 'done';
    }, { connection: conn() });
    const inst = instrumentWorker(worker, { metrics });
    closers.push(() => inst.stop().then(() => worker.close()));
    await eventually(async () => ((await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'completed' })) === 1 ? true : undefined), 'the job to complete');

    expect(await metricValue(metrics, 'bullmq_jobs_started_total', { queue: name, attempt: 'first' })).toBe(1);
    expect(await metricValue(metrics, 'bullmq_jobs_started_total', { queue: name, attempt: 'retry' })).toBe(2);
    expect(await lag(metrics, name, 'bullmq_queue_lag_seconds_count')).toBe(1);
    // The one lag observed is the first attempt's (~100 s), in (60, 120].
    expect(await lag(metrics, name, 'bullmq_queue_lag_seconds_bucket', '60')).toBe(0);
    expect(await lag(metrics, name, 'bullmq_queue_lag_seconds_bucket', '120')).toBe(1);
    expect(await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'retried' })).toBe(2);
    expect(await metricValue(metrics, 'bullmq_job_errors_total', { queue: name, error_type: 'other', final: 'false' })).toBe(2);
    expect(await metricValue(metrics, 'bullmq_job_errors_total', { queue: name, final: 'true' })).toBe(0);
  });

  it('classifies errors into the bounded taxonomy, with the app hook, and tells final from retried', async () => {
    const { name, metrics, queue } = setup('err');
    const kinds = ['timeout', 'rate', 'upstream', 'validation', 'unrecoverable', 'other', 'custom'];
    for (const kind of kinds) await queue.add(kind, { kind }, { attempts: kind === 'upstream' ? 2 : 1 });
    const worker = new Worker(name, async (job: Job<{ kind: string }>) => {
      switch (job.data.kind) {
        case 'timeout': throw Object.assign(new Error('took too long'), { name: 'TimeoutError' });
        case 'rate': throw Object.assign(new Error('slow down'), { status: 429 });
        case 'upstream': throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
        case 'validation': throw Object.assign(new UnrecoverableError('bad data'), { tags: ['validation'] });
        case 'unrecoverable': throw new UnrecoverableError('give up');
        case 'custom': throw new Error('quota exhausted for tenant');
        default: throw new Error('boom');
      }
    }, { connection: conn(), concurrency: 4 });
    const inst = instrumentWorker(worker, { metrics, classify: (err) => (err instanceof Error && err.message.startsWith('quota') ? 'rate_limited' : undefined) });
    closers.push(() => inst.stop().then(() => worker.close()));
    await eventually(async () => ((await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'failed' })) === kinds.length ? true : undefined), 'every job to fail for good');

    const errors = async (error_type: string, final: string) => metricValue(metrics, 'bullmq_job_errors_total', { queue: name, error_type, final });
    expect(await errors('timeout', 'true')).toBe(1);
    expect(await errors('rate_limited', 'true')).toBe(2); // status 429 + the app classifier
    expect(await errors('upstream', 'false')).toBe(1);
    expect(await errors('upstream', 'true')).toBe(1);
    expect(await errors('validation', 'true')).toBe(1);
    expect(await errors('unrecoverable', 'true')).toBe(1);
    expect(await errors('other', 'true')).toBe(1);
    expect(await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'retried' })).toBe(1);
    const stats = inst.telemetry.stats();
    expect(stats.errorRatio['1m']).toBe(1);
    expect(stats.attempts5m).toBe(kinds.length + 1);
  });
});
