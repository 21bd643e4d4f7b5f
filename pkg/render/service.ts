import { Worker, type Processor } from 'bullmq';
import { Redis } from 'ioredis';
import type { Server } from 'node:http';
import type { Logger } from '#pkg/log/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import { createAdminServer, listen, closeServer } from '#pkg/http/index.ts';
import { QueueCollector, WorkerHealthService, closeWorkerGracefully, instrumentWorker, validateQueueName, type QueueErrorCode } from '#pkg/queue/index.ts';
import type { WorkerConfig } from './config.ts';
import { renderProcessor } from './processor.ts';

export interface RenderWorkerService {
  readonly worker: Worker;
  readonly adminPort: number;
  readonly health: WorkerHealthService;
  /** Drains (bounded by WORKER_SHUTDOWN_TIMEOUT_MS), then closes everything. */
  close(): Promise<void>;
}

/**
 * The render worker: a BullMQ worker on RENDER_QUEUE running the render
 * processor, instrumented, with an elected queue collector and the health
 * API on the admin listener.
 */
/**
 * The admin edge's status for each queue error its health routes may throw.
 * Only watched queues have routes, and a failed Redis read answers
 * `source: "unavailable"`, so these are for what should not happen.
 */
const QUEUE_STATUS_BY_CODE: Readonly<Record<QueueErrorCode, number>> = {
  invalid_argument: 400,
  unknown_queue: 404,
  already_instrumented: 409,
  unsupported_bullmq: 500,
  bad_reply: 502,
  redis_unavailable: 503,
};

export interface RenderWorkerDeps {
  logger: Logger;
  metrics: Metrics;
  /** The job processor. Default the render processor; tests and other queues may pass their own. */
  processor?: Processor;
}

export async function startRenderWorker(cfg: WorkerConfig, deps: RenderWorkerDeps): Promise<RenderWorkerService> {
  const { logger, metrics } = deps;
  const queue = validateQueueName(cfg.RENDER_QUEUE);
  // BullMQ's connection: no per-request retry limit (its blocking commands need that).
  const bullConn = new Redis(cfg.REDIS_URL, { maxRetriesPerRequest: null, protocol: 2, lazyConnect: true });
  // Collector, heartbeat, health reads: fail fast instead of queueing while Redis is away.
  const opsConn = new Redis(cfg.REDIS_URL, { protocol: 2, maxRetriesPerRequest: 1, commandTimeout: cfg.QUEUE_REDIS_TIMEOUT_MS, enableOfflineQueue: false, lazyConnect: true });
  for (const c of [bullConn, opsConn]) c.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'));
  await Promise.all([bullConn.connect().catch(() => undefined), opsConn.connect().catch(() => undefined)]);

  const worker = new Worker(queue, deps.processor ?? renderProcessor(), {
    connection: bullConn,
    prefix: cfg.BULLMQ_PREFIX,
    concurrency: cfg.WORKER_CONCURRENCY,
    lockDuration: cfg.WORKER_LOCK_DURATION_MS,
    stalledInterval: cfg.WORKER_STALLED_INTERVAL_MS,
    autorun: false,
  });
  let lastError = 0;
  worker.on('error', (err) => {
    // Redis outages surface here once per retry: log at most once per 5 s.
    if (Date.now() - lastError > 5000) logger.warn({ err: err.message }, 'worker error');
    lastError = Date.now();
  });
  worker.on('failed', (job, err) => logger.info({ jobId: job?.id, error: err.name }, 'job failed'));
  const instrumentation = instrumentWorker(worker, { metrics, heartbeatRedis: opsConn, heartbeatMs: cfg.WORKER_HEARTBEAT_MS, prefix: cfg.BULLMQ_PREFIX });
  const scaling = {
    targetBacklogPerSlot: cfg.QUEUE_TARGET_BACKLOG_PER_SLOT,
    maxOldestReadyAgeSeconds: cfg.QUEUE_MAX_READY_AGE_SECONDS,
    defaultConcurrency: cfg.WORKER_CONCURRENCY,
    minWorkers: cfg.QUEUE_MIN_WORKERS,
    maxWorkers: cfg.QUEUE_MAX_WORKERS,
  };
  const collector = new QueueCollector({
    redis: opsConn, queues: [queue], metrics, prefix: cfg.BULLMQ_PREFIX, intervalMs: cfg.QUEUE_COLLECT_INTERVAL_MS, scaling,
    onError: (q, err) => logger.debug({ queue: q, err: err instanceof Error ? err.message : String(err) }, 'queue collection failed'),
  });
  const thresholds = {
    degradedOldestAgeSeconds: cfg.QUEUE_DEGRADED_AGE_SECONDS,
    unhealthyOldestAgeSeconds: cfg.QUEUE_UNHEALTHY_AGE_SECONDS,
    degradedErrorRatio: cfg.QUEUE_DEGRADED_ERROR_RATIO,
    unhealthyErrorRatio: cfg.QUEUE_UNHEALTHY_ERROR_RATIO,
    degradedLagP95Seconds: cfg.QUEUE_DEGRADED_LAG_P95_SECONDS,
  };
  const health = new WorkerHealthService({ queues: [queue], metrics, redis: opsConn, prefix: cfg.BULLMQ_PREFIX, collector, scaling, thresholds });

  let draining = false;
  const admin: Server = createAdminServer({
    metrics,
    readiness: () => ({ ready: !draining && worker.isRunning() && opsConn.status === 'ready', draining, redis: opsConn.status }),
    routes: health.routes(),
    statusByCode: QUEUE_STATUS_BY_CODE,
  });
  const adminPort = await listen(admin, cfg.WORKER_ADMIN_PORT, cfg.WORKER_ADMIN_HOST);
  collector.start();
  void worker.run().catch((err: unknown) => logger.error({ err }, 'worker stopped'));
  logger.info({ queue, concurrency: cfg.WORKER_CONCURRENCY, adminPort }, 'render worker running');

  let closing: Promise<void> | undefined;
  return {
    worker,
    adminPort,
    health,
    close() {
      closing ??= (async () => {
        draining = true;
        const active = instrumentation.telemetry.activeJobs;
        logger.info({ active, timeoutMs: cfg.WORKER_SHUTDOWN_TIMEOUT_MS }, 'draining: no new jobs, waiting for active ones');
        const inTime = await closeWorkerGracefully(worker, cfg.WORKER_SHUTDOWN_TIMEOUT_MS);
        if (inTime) logger.info('drained');
        else logger.warn({ abandoned: instrumentation.telemetry.activeJobs }, 'drain timed out: remaining jobs will be recovered as stalled');
        await instrumentation.stop();
        await collector.stop();
        await closeServer(admin, 1000);
        await Promise.all([bullConn.quit().catch(() => bullConn.disconnect()), opsConn.quit().catch(() => opsConn.disconnect())]);
      })();
      return closing;
    },
  };
}
