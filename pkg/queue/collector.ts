import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Metrics } from '#pkg/metrics/index.ts';
import { queueInstruments, type QueueInstruments } from './instruments.ts';
import { RedisLock } from './lock.ts';
import { readQueueSignals, validateQueueName, type QueueSignals } from './signals.ts';
import { liveWorkers, workersKey } from './registry.ts';
import { scalingSignals, type ScalingPolicy, type ScalingSignals } from './scaling.ts';

export interface CollectorOptions {
  /**
   * A dedicated, non-blocking connection. Give it a `commandTimeout` below
   * `intervalMs` so a stuck Redis cannot pile up ticks; BullMQ's blocking
   * connections must not be reused here.
   */
  redis: Redis;
  /** Queue names to watch (from config: never discovered by scanning keys). */
  queues: string[];
  metrics: Metrics;
  /** BullMQ prefix. Default 'bull'. */
  prefix?: string;
  /** Collection period. Default 5000 ms. */
  intervalMs?: number;
  /** Lock lifetime; a dead collector is replaced after it. Default 3 × intervalMs. */
  lockTtlMs?: number;
  /** This contender's id (unique per process). Default a random UUID. */
  id?: string;
  /** Policy behind the desired-workers hint. */
  scaling?: ScalingPolicy;
  /** Called when a tick fails (Redis down...); the collector keeps going. */
  onError?: (queue: string, err: unknown) => void;
}

/** What the elected collector read for one queue. */
export interface QueueSnapshot {
  signals: QueueSignals;
  workers: number;
  totalConcurrency: number;
  scaling: ScalingSignals;
  /** Collector id that read it. */
  collector: string;
}

/** Where the leader publishes its latest snapshot, for every pod's health API. */
export function snapshotKey(prefix: string, queue: string): string {
  return `pilotfish:queue-snapshot:${prefix}:${queue}`;
}

/**
 * One elected collector per queue: every pod runs a `QueueCollector`, each
 * tick tries to take or renew the queue's lock, and only the holder reads
 * queue-side state from Redis (one Lua call plus the worker registry),
 * exports the `bullmq_queue_*` gauges and publishes a snapshot. Others export
 * `bullmq_queue_collector_leader 0` and no queue-side series. Independent of
 * job rate: a fixed number of commands per interval.
 */
export class QueueCollector {
  readonly id: string;
  readonly #options: CollectorOptions;
  readonly #prefix: string;
  readonly #intervalMs: number;
  readonly #ttlMs: number;
  readonly #instruments: QueueInstruments;
  readonly #locks = new Map<string, RedisLock>();
  readonly #leader = new Map<string, boolean>();
  readonly #latest = new Map<string, QueueSnapshot>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: CollectorOptions) {
    this.#options = options;
    this.id = options.id ?? randomUUID();
    this.#prefix = options.prefix ?? 'bull';
    this.#intervalMs = options.intervalMs ?? 5000;
    this.#ttlMs = options.lockTtlMs ?? 3 * this.#intervalMs;
    this.#instruments = queueInstruments(options.metrics);
    for (const q of options.queues) {
      validateQueueName(q);
      this.#locks.set(q, new RedisLock(`pilotfish:queue-collector:${this.#prefix}:${q}`, this.id, this.#ttlMs));
      this.#leader.set(q, false);
      this.#instruments.collectorLeader.set({ queue: q }, 0);
    }
  }

  start(): void {
    if (this.#timer) return;
    void this.tick();
    this.#timer = setInterval(() => void this.tick(), this.#intervalMs);
    this.#timer.unref();
  }

  isLeader(queue: string): boolean {
    return this.#leader.get(queue) === true;
  }

  /** The last snapshot this collector read while leader. */
  snapshot(queue: string): QueueSnapshot | undefined {
    return this.#latest.get(queue);
  }

  /** One collection round over every queue (ticks never overlap). */
  tick(): Promise<void> {
    this.#running ??= (async () => {
      try {
        await Promise.all(this.#options.queues.map((q) => this.#collect(q)));
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async #collect(queue: string): Promise<void> {
    const redis = this.#options.redis;
    try {
      const leading = await this.#locks.get(queue)!.acquireOrRenew(redis);
      this.#setLeader(queue, leading);
      if (!leading) return;
      const [signals, fields] = await Promise.all([
        readQueueSignals(redis, { name: queue, prefix: this.#prefix }),
        redis.hgetall(workersKey(this.#prefix, queue)),
      ]);
      const live = liveWorkers(fields, signals.readAt);
      if (live.expired.length > 0) void redis.hdel(workersKey(this.#prefix, queue), ...live.expired).catch(() => undefined);
      const scaling = scalingSignals({ ...signals, active: signals.counts.active, workers: live.workers, totalConcurrency: live.totalConcurrency }, this.#options.scaling);
      const snap: QueueSnapshot = { signals, workers: live.workers, totalConcurrency: live.totalConcurrency, scaling, collector: this.id };
      this.#latest.set(queue, snap);
      this.#export(snap);
      await redis.set(snapshotKey(this.#prefix, queue), JSON.stringify(snap), 'PX', this.#ttlMs);
    } catch (err) {
      this.#instruments.collectErrors.inc({ queue });
      // Unknown state: stop exporting queue-side series rather than serve stale ones.
      this.#setLeader(queue, false);
      this.#options.onError?.(queue, err);
    }
  }

  #setLeader(queue: string, leading: boolean): void {
    const was = this.#leader.get(queue);
    this.#leader.set(queue, leading);
    this.#instruments.collectorLeader.set({ queue }, leading ? 1 : 0);
    if (was && !leading) this.#clear(queue);
  }

  #export(s: QueueSnapshot): void {
    const i = this.#instruments;
    const queue = s.signals.queue;
    const c = s.signals.counts;
    const states: Record<string, number> = {
      waiting: c.waiting, prioritized: c.prioritized, delayed: c.delayed, active: c.active, paused: c.paused,
      waiting_children: c.waitingChildren, completed: c.completed, failed: c.failed,
    };
    for (const [state, n] of Object.entries(states)) i.queueJobs.set({ queue, state }, n);
    i.delayedDue.set({ queue }, c.delayedDue);
    i.readyBacklog.set({ queue }, s.signals.readyBacklog);
    i.oldestReadyAge.set({ queue }, s.signals.oldestReadyAgeSeconds);
    i.paused.set({ queue }, s.signals.isPaused ? 1 : 0);
    i.queueWorkers.set({ queue }, s.workers);
    i.queueConcurrency.set({ queue }, s.totalConcurrency);
    i.backlogPerSlot.set({ queue }, s.scaling.backlogPerSlot);
    i.queueUtilization.set({ queue }, s.scaling.utilization);
    i.desiredWorkers.set({ queue }, s.scaling.desiredWorkers);
    i.collectTimestamp.set({ queue }, s.signals.readAt / 1000);
  }

  #clear(queue: string): void {
    const i = this.#instruments;
    this.#latest.delete(queue);
    for (const state of ['waiting', 'prioritized', 'delayed', 'active', 'paused', 'waiting_children', 'completed', 'failed']) i.queueJobs.remove({ queue, state });
    for (const g of [i.delayedDue, i.readyBacklog, i.oldestReadyAge, i.paused, i.queueWorkers, i.queueConcurrency, i.backlogPerSlot, i.queueUtilization, i.desiredWorkers, i.collectTimestamp]) g.remove({ queue });
  }

  /** Stops ticking and hands the locks over (best effort), so another pod takes over at once. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
    for (const [queue, lock] of this.#locks) {
      if (!this.#leader.get(queue)) continue;
      this.#setLeader(queue, false);
      try {
        await lock.release(this.#options.redis);
      } catch {
        // the TTL frees it anyway
      }
    }
  }
}
