import { afterAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Metrics } from '../../pkg/metrics/index.ts';
import { instrumentWorker, readQueueSignals } from '../../pkg/queue/index.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { bullConnection, eventually, metricValue, spawnWorker, uniqueQueueName, type WorkerProcess } from '../fixtures/queue-helpers.ts';

const SLOW_WORKER = 'test/fixtures/queue-slow-worker.ts';

describe('worker processes', () => {
  const closers: Array<() => Promise<unknown>> = [];
  const procs: WorkerProcess[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });
  const conn = (): Redis => {
    const c = bullConnection(sharedRedisUrl());
    closers.push(async () => c.quit());
    return c;
  };
  const newQueue = (tag: string) => {
    const name = uniqueQueueName(tag);
    const queue = new Queue(name, { connection: conn() });
    closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
    return { name, queue };
  };
  const start = async (script: string, env: Record<string, string>) => {
    const p = await spawnWorker(script, { REDIS_URL: sharedRedisUrl(), QUEUE_COLLECT_INTERVAL_MS: '200', WORKER_HEARTBEAT_MS: '200', ...env });
    procs.push(p);
    return p;
  };

  it('cmd/worker renders Markdown jobs, fails bad data as a validation error, and serves health and metrics', async () => {
    const { name, queue } = newQueue('render');
    const events = new QueueEvents(name, { connection: conn() });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const p = await start('cmd/worker/main.ts', { RENDER_QUEUE: name, WORKER_CONCURRENCY: '2' });
    const good = await queue.add('doc', { template: '# Hi {{who}}\n\n<script>x()</script>', data: { who: 'there' } });
    const bad = await queue.add('doc', { template: 42 }, { attempts: 3 });
    const html = (await good.waitUntilFinished(events, 10_000)) as { html: string };
    expect(html.html).toContain('<h1>Hi there</h1>');
    expect(html.html).not.toContain('<script');
    await expect(bad.waitUntilFinished(events, 10_000)).rejects.toThrow(/invalid_template/);
    const failed = await queue.getJob(bad.id!);
    expect(failed?.attemptsMade).toBe(1); // unrecoverable: not retried

    const metrics = await (await fetch(`${p.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`bullmq_job_errors_total\\{queue="${name}",error_type="validation",final="true"[^}]*\\} 1`));
    expect(metrics).toMatch(new RegExp(`bullmq_jobs_processed_total\\{queue="${name}",outcome="completed"[^}]*\\} 1`));

    const body = await eventually(async () => {
      const res = await fetch(`${p.adminUrl}/v1/queues/${name}`);
      const json = (await res.json()) as { source: string; capacity: { totalConcurrency: number } | null; counts: { completed: number; failed: number } | null };
      return json.source === 'collector' && json.capacity?.totalConcurrency === 2 && json.counts?.completed === 1 && json.counts.failed === 1 ? json : undefined;
    }, 'a collector snapshot with the worker registered');
    expect(body).toMatchObject({ queue: name, status: 'healthy', readyBacklog: 0, capacity: { workers: 1 }, local: { concurrency: 2 } });
    const list = (await (await fetch(`${p.adminUrl}/v1/queues`)).json()) as { queues: Array<{ queue: string }> };
    expect(list.queues.map((q) => q.queue)).toEqual([name]);
    const missing = await fetch(`${p.adminUrl}/v1/queues/nope`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${p.adminUrl}/readyz`)).status).toBe(200);

    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('drains on SIGTERM: takes no new job, lets active ones finish, exits 0', async () => {
    const { name, queue } = newQueue('drain');
    const p = await start(SLOW_WORKER, { RENDER_QUEUE: name, WORKER_CONCURRENCY: '2', WORKER_SHUTDOWN_TIMEOUT_MS: '20000' });
    const a = await queue.add('slow', { ms: 1500 });
    const b = await queue.add('slow', { ms: 1500 });
    const r = conn();
    await eventually(async () => ((await readQueueSignals(r, { name })).counts.active === 2 ? true : undefined), 'two active jobs');
    p.child.kill('SIGTERM');
    const late = await queue.add('late', { ms: 0 });
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(await (await queue.getJob(a.id!))!.getState()).toBe('completed');
    expect(await (await queue.getJob(b.id!))!.getState()).toBe('completed');
    expect(await (await queue.getJob(late.id!))!.getState()).toBe('waiting');
    expect(p.output()).toContain('"msg":"drained"');
  });

  it('recovers a SIGKILLed worker\'s job as stalled, counts it, and re-runs it as a retry', async () => {
    const { name, queue } = newQueue('stall');
    const p = await start(SLOW_WORKER, { RENDER_QUEUE: name, WORKER_CONCURRENCY: '1', WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '300' });
    const job = await queue.add('long', { ms: 60_000 });
    const r = conn();
    await eventually(async () => ((await readQueueSignals(r, { name })).counts.active === 1 ? true : undefined), 'the job to be active');
    p.child.kill('SIGKILL');
    expect((await p.exited).signal).toBe('SIGKILL');

    // A healthy, instrumented worker finds the orphaned job once its lock expires.
    const metrics = new Metrics({ defaultMetrics: false });
    const worker = new Worker(name, async () => 'recovered', { connection: conn(), stalledInterval: 300, lockDuration: 1000, maxStalledCount: 1 });
    const inst = instrumentWorker(worker, { metrics });
    closers.push(() => inst.stop().then(() => worker.close()));
    await eventually(async () => ((await queue.getJob(job.id!))?.returnvalue === 'recovered' ? true : undefined), 'the stalled job to complete elsewhere', 20_000);
    expect(await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'stalled' })).toBe(1);
    expect(await metricValue(metrics, 'bullmq_jobs_started_total', { queue: name, attempt: 'retry' })).toBe(1);
    expect(await metricValue(metrics, 'bullmq_queue_lag_seconds', { queue: name }, 'bullmq_queue_lag_seconds_count')).toBe(0);
  });

  it('abandons a job that outlives WORKER_SHUTDOWN_TIMEOUT_MS, exits, and the job is recovered, not lost', async () => {
    const { name, queue } = newQueue('deadline');
    const p = await start(SLOW_WORKER, { RENDER_QUEUE: name, WORKER_CONCURRENCY: '1', WORKER_SHUTDOWN_TIMEOUT_MS: '300', WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '300' });
    const job = await queue.add('too-long', { ms: 60_000 });
    const r = conn();
    await eventually(async () => ((await readQueueSignals(r, { name })).counts.active === 1 ? true : undefined), 'the job to be active');
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.output()).toContain('drain timed out');
    expect(await (await queue.getJob(job.id!))!.getState()).toBe('active');

    const metrics = new Metrics({ defaultMetrics: false });
    const worker = new Worker(name, async () => 'finished elsewhere', { connection: conn(), stalledInterval: 300, lockDuration: 1000 });
    const inst = instrumentWorker(worker, { metrics });
    closers.push(() => inst.stop().then(() => worker.close()));
    await eventually(async () => ((await queue.getJob(job.id!))?.returnvalue === 'finished elsewhere' ? true : undefined), 'the abandoned job to complete elsewhere', 20_000);
    expect(await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'stalled' })).toBe(1);
  });

  it('cmd/enqueue adds N jobs at a rate, and rejects bad options with a clear message', async () => {
    const { name, queue } = newQueue('enqueue');
    const { execFile } = await import('node:child_process');
    const run = (args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ['cmd/enqueue/main.ts', ...args], { env: { ...process.env, REDIS_URL: sharedRedisUrl() } }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      });
    });
    const ok = await run(['--queue', name, '--count', '30', '--rate', '0', '--batch', '7', '--priority', '2', '--bad-ratio', '0.5']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('"enqueued":30');
    const counts = await queue.getJobCounts('prioritized', 'wait');
    expect(counts.prioritized).toBe(30);
    const jobs = await queue.getJobs(['prioritized'], 0, 29);
    const bad = jobs.filter((j) => typeof (j.data as { template?: unknown }).template !== 'string').length;
    expect(bad).toBeGreaterThan(5);
    expect(bad).toBeLessThan(25);

    const wrong = await run(['--queue', name, '--count', '5', '--rate', 'fast']);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/rate must be a finite number/);
    expect(await queue.count()).toBe(30); // nothing added by the bad call
  });

  it('two worker processes on one queue elect one collector; the other takes over when it is killed', async () => {
    const { name, queue } = newQueue('elect');
    const env = { RENDER_QUEUE: name, QUEUE_COLLECT_INTERVAL_MS: '150' };
    const [a, b] = await Promise.all([start('cmd/worker/main.ts', env), start('cmd/worker/main.ts', env)]);
    await queue.add('doc', { template: 'x' }, { delay: 600_000 });
    const leaderFlag = async (p: WorkerProcess) => {
      const text = await (await fetch(`${p.adminUrl}/metrics`)).text();
      return Number(new RegExp(`bullmq_queue_collector_leader\\{queue="${name}"[^}]*\\} (\\d)`).exec(text)?.[1] ?? NaN);
    };
    const [la, lb] = await eventually(async () => {
      const flags = [await leaderFlag(a), await leaderFlag(b)];
      return flags[0] + flags[1] === 1 ? flags : undefined;
    }, 'exactly one leader');
    const leader = la === 1 ? a : b;
    const follower = la === 1 ? b : a;
    expect(lb + la).toBe(1);
    await eventually(async () => {
      const text = await (await fetch(`${leader.adminUrl}/metrics`)).text();
      return new RegExp(`bullmq_queue_jobs\\{queue="${name}",state="delayed"[^}]*\\} 1`).test(text) ? true : undefined;
    }, 'the leader to export the delayed job');
    expect(await (await fetch(`${follower.adminUrl}/metrics`)).text()).not.toContain(`bullmq_queue_jobs{queue="${name}"`);

    leader.child.kill('SIGKILL');
    await leader.exited;
    // The lock expires after 3 intervals; the survivor takes over.
    await eventually(async () => ((await leaderFlag(follower)) === 1 ? true : undefined), 'the survivor to lead', 10_000);
    follower.child.kill('SIGTERM');
    expect((await follower.exited).code).toBe(0);
  });

  it('counts a job stalled past maxStalledCount as failed for good (unrecoverable), without starting it', async () => {
    const { name, queue } = newQueue('overstall');
    const p = await start(SLOW_WORKER, { RENDER_QUEUE: name, WORKER_CONCURRENCY: '1', WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '300' });
    const job = await queue.add('long', { ms: 60_000 });
    const r = conn();
    await eventually(async () => ((await readQueueSignals(r, { name })).counts.active === 1 ? true : undefined), 'the job to be active');
    p.child.kill('SIGKILL');
    await p.exited;
    const metrics = new Metrics({ defaultMetrics: false });
    const worker = new Worker(name, async () => 'should not run', { connection: conn(), stalledInterval: 300, lockDuration: 1000, maxStalledCount: 0 });
    const inst = instrumentWorker(worker, { metrics });
    closers.push(() => inst.stop().then(() => worker.close()));
    await eventually(async () => ((await queue.getJob(job.id!))?.finishedOn ? true : undefined), 'the job to be failed', 20_000);
    expect(await (await queue.getJob(job.id!))!.getState()).toBe('failed');
    expect(await metricValue(metrics, 'bullmq_jobs_processed_total', { queue: name, outcome: 'stalled' })).toBe(1);
    expect(await metricValue(metrics, 'bullmq_job_errors_total', { queue: name, error_type: 'unrecoverable', final: 'true' })).toBe(1);
    expect(await metricValue(metrics, 'bullmq_jobs_started_total', { queue: name })).toBe(0);
  });
});
