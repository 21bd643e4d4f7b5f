import type { Redis } from 'ioredis';
import type { Metrics } from '#pkg/metrics/index.ts';
import { QueueError } from './errors.ts';
import { snapshotKey, type QueueCollector, type QueueSnapshot } from './collector.ts';
import { readQueueSignals } from './signals.ts';
import { liveWorkers, workersKey } from './registry.ts';
import { scalingSignals, type ScalingPolicy } from './scaling.ts';
import { assessStatus, type QueueStatus, type StatusThresholds } from './status.ts';
import { queueTelemetry, type LocalQueueStats } from './telemetry.ts';
import type { QueueCounts } from './signals.ts';

export interface WorkerHealthOptions {
  queues: string[];
  metrics: Metrics;
  /** Non-blocking connection for snapshot reads. */
  redis: Redis;
  /** BullMQ prefix. Default 'bull'. */
  prefix?: string;
  /** The local collector: its snapshot is used when it leads. */
  collector?: QueueCollector;
  thresholds?: StatusThresholds;
  scaling?: ScalingPolicy;
  /** A snapshot older than this is not trusted; the queue is read directly instead. Default 30000 ms. */
  maxSnapshotAgeMs?: number;
}

/** One queue's health, as `GET /v1/queues/{name}` returns it. */
export interface QueueHealth {
  queue: string;
  status: QueueStatus;
  reasons: string[];
  /** Where queue-side figures come from: `collector` (elected leader's snapshot), `direct` (read now), `unavailable`. */
  source: 'collector' | 'direct' | 'unavailable';
  readAt: number | null;
  counts: QueueCounts | null;
  readyBacklog: number | null;
  oldestReadyAgeSeconds: number | null;
  isPaused: boolean | null;
  capacity: { workers: number; totalConcurrency: number; utilization: number; backlogPerSlot: number } | null;
  autoscaling: { desiredWorkers: number; reason: string; backlogPerSlot: number; oldestReadyAgeSeconds: number; lagP95Seconds: number | null } | null;
  /** From this process's own workers and producers (cluster-wide figures: Prometheus, see docs/queue-metrics.md). */
  local: LocalQueueStats;
}

/**
 * Per-queue aggregation served as JSON. Queue-side figures come from the
 * elected collector's snapshot (published in Redis, one GET), falling back
 * to one direct read when no fresh snapshot exists; in-process windows give
 * rates, error ratio, lag percentiles and local utilization.
 */
export class WorkerHealthService {
  readonly #options: WorkerHealthOptions;
  readonly #prefix: string;

  constructor(options: WorkerHealthOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? 'bull';
  }

  get queues(): readonly string[] {
    return this.#options.queues;
  }

  async list(now = Date.now()): Promise<{ queues: QueueHealth[] }> {
    return { queues: await Promise.all(this.#options.queues.map((q) => this.queue(q, now))) };
  }

  async queue(name: string, now = Date.now()): Promise<QueueHealth> {
    if (!this.#options.queues.includes(name)) throw new QueueError('unknown_queue', `queue ${JSON.stringify(name.slice(0, 100))} is not watched here`);
    const telemetry = queueTelemetry(this.#options.metrics, name);
    telemetry.refreshGauges();
    const local = telemetry.stats(now);
    const { snapshot, source } = await this.#snapshotOf(name, now);
    const status = assessStatus({
      signalsAvailable: snapshot !== undefined,
      oldestReadyAgeSeconds: snapshot?.signals.oldestReadyAgeSeconds ?? 0,
      readyBacklog: snapshot?.signals.readyBacklog ?? 0,
      isPaused: snapshot?.signals.isPaused ?? false,
      errorRatio5m: local.errorRatio['5m'],
      attempts5m: local.attempts5m,
      lagP95Seconds5m: local.lagSeconds.p95,
      totalConcurrency: snapshot ? Math.max(snapshot.totalConcurrency, local.concurrency) : local.concurrency,
    }, this.#options.thresholds);
    return {
      queue: name,
      status: status.status,
      reasons: status.reasons,
      source,
      readAt: snapshot?.signals.readAt ?? null,
      counts: snapshot?.signals.counts ?? null,
      readyBacklog: snapshot?.signals.readyBacklog ?? null,
      oldestReadyAgeSeconds: snapshot?.signals.oldestReadyAgeSeconds ?? null,
      isPaused: snapshot?.signals.isPaused ?? null,
      capacity: snapshot
        ? { workers: snapshot.workers, totalConcurrency: snapshot.totalConcurrency, utilization: snapshot.scaling.utilization, backlogPerSlot: snapshot.scaling.backlogPerSlot }
        : null,
      autoscaling: snapshot
        ? {
            desiredWorkers: snapshot.scaling.desiredWorkers,
            reason: snapshot.scaling.reason,
            backlogPerSlot: snapshot.scaling.backlogPerSlot,
            oldestReadyAgeSeconds: snapshot.signals.oldestReadyAgeSeconds,
            lagP95Seconds: local.lagSeconds.p95,
          }
        : null,
      local,
    };
  }

  async #snapshotOf(queue: string, now: number): Promise<{ snapshot?: QueueSnapshot; source: QueueHealth['source'] }> {
    const maxAge = this.#options.maxSnapshotAgeMs ?? 30_000;
    const fresh = (s: QueueSnapshot | undefined) => s !== undefined && now - s.signals.readAt <= maxAge;
    const mine = this.#options.collector?.isLeader(queue) ? this.#options.collector.snapshot(queue) : undefined;
    if (fresh(mine)) return { snapshot: mine, source: 'collector' };
    const redis = this.#options.redis;
    try {
      const raw = await redis.get(snapshotKey(this.#prefix, queue));
      const published = raw ? (JSON.parse(raw) as QueueSnapshot) : undefined;
      if (fresh(published)) return { snapshot: published, source: 'collector' };
      const [signals, fields] = await Promise.all([readQueueSignals(redis, { name: queue, prefix: this.#prefix, now }), redis.hgetall(workersKey(this.#prefix, queue))]);
      const live = liveWorkers(fields, now);
      const scaling = scalingSignals({ ...signals, active: signals.counts.active, workers: live.workers, totalConcurrency: live.totalConcurrency }, this.#options.scaling);
      return { snapshot: { signals, workers: live.workers, totalConcurrency: live.totalConcurrency, scaling, collector: '' }, source: 'direct' };
    } catch {
      return { source: 'unavailable' };
    }
  }

  /** Routes for `createAdminServer`: `/v1/queues` and `/v1/queues/{name}` for every watched queue. */
  routes(): Record<string, () => Promise<unknown>> {
    const routes: Record<string, () => Promise<unknown>> = { '/v1/queues': () => this.list() };
    for (const q of this.#options.queues) routes[`/v1/queues/${encodeURIComponent(q)}`] = () => this.queue(q);
    return routes;
  }
}
