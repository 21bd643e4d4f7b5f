import type { Counter, Gauge, Histogram, Metrics } from '#pkg/metrics/index.ts';

/** Lag buckets (s): sub-10 ms to an hour. Identical in every pod so quantiles aggregate. */
export const LAG_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Processing-time buckets (s): 1 ms to 10 min. */
const PROCESS_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

type Q = 'queue';
const Q_ATTR = { queue: 'messaging.destination.name' } as const;

/**
 * Every queue instrument, defined once per `Metrics` (a registry refuses a
 * name twice). Worker-side series are emitted by every pod (sum across pods);
 * queue-side series only by the elected collector (aggregate with max).
 */
export interface QueueInstruments {
  /** Per-job histograms, observed through series bound once per queue. */
  lag: Histogram<Q>;
  processDuration: Histogram<Q | 'status'>;
  started: Counter<Q | 'attempt'>;
  processed: Counter<Q | 'outcome'>;
  errors: Counter<Q | 'error_type' | 'final'>;
  enqueued: Counter<Q>;
  enqueueErrors: Counter<Q>;
  activeJobs: Gauge<Q>;
  concurrency: Gauge<Q>;
  utilization: Gauge<Q>;
  queueJobs: Gauge<Q | 'state'>;
  delayedDue: Gauge<Q>;
  readyBacklog: Gauge<Q>;
  oldestReadyAge: Gauge<Q>;
  paused: Gauge<Q>;
  queueWorkers: Gauge<Q>;
  queueConcurrency: Gauge<Q>;
  backlogPerSlot: Gauge<Q>;
  queueUtilization: Gauge<Q>;
  desiredWorkers: Gauge<Q>;
  collectorLeader: Gauge<Q>;
  collectTimestamp: Gauge<Q>;
  collectErrors: Counter<Q>;
  /**
   * Flushers of counts batched in-process (started, processed), run before
   * every Prometheus read of those counters and on the workers' refresh timer.
   */
  flushers: Set<() => void>;
}

const cache = new WeakMap<Metrics, QueueInstruments>();

export function queueInstruments(metrics: Metrics): QueueInstruments {
  let found = cache.get(metrics);
  if (!found) {
    found = define(metrics);
    cache.set(metrics, found);
  }
  return found;
}

function define(m: Metrics): QueueInstruments {
  const flushers = new Set<() => void>();
  const flushAll = () => { for (const f of flushers) f(); };
  const instruments = defineInstruments(m, flushers);
  // prom-client calls a metric's `collect` before reading it: batched counts land first, then
  // pkg/metrics' own collect (it hands prom-client what its bound counters added).
  for (const name of ['bullmq_jobs_started_total', 'bullmq_jobs_processed_total']) {
    const prom = m.registry.getSingleMetric(name) as { collect?: () => void } | undefined;
    if (!prom) continue;
    const own = prom.collect;
    prom.collect = function (this: unknown) {
      flushAll();
      own?.call(this);
    };
  }
  return instruments;
}

function defineInstruments(m: Metrics, flushers: Set<() => void>): QueueInstruments {
  const g = (name: string, help: string, otel?: string, unit?: string) =>
    m.gauge<Q>({ name, help, labelNames: ['queue'], otel: otel ? { name: otel, unit, attributes: Q_ATTR } : undefined });
  return {
    lag: m.histogram<Q>({
      name: 'bullmq_queue_lag_seconds', help: 'Time from when a job became ready (timestamp + opts.delay) to the start of its first attempt; retries excluded',
      labelNames: ['queue'], buckets: LAG_BUCKETS_SECONDS, otel: { name: 'bullmq.queue.lag', unit: 's', attributes: Q_ATTR },
    }),
    processDuration: m.histogram<Q | 'status'>({
      name: 'bullmq_job_process_duration_seconds', help: 'Time the processor ran for one attempt; status ok, error, or deferred (DelayedError, WaitingChildrenError, RateLimitError)',
      labelNames: ['queue', 'status'], buckets: PROCESS_BUCKETS_SECONDS,
      otel: { name: 'messaging.process.duration', unit: 's', attributes: { ...Q_ATTR, status: 'bullmq.job.status' } },
    }),
    started: m.counter<Q | 'attempt'>({
      name: 'bullmq_jobs_started_total', help: 'Attempts started by this worker; attempt first or retry (retries and re-runs after a stall)',
      labelNames: ['queue', 'attempt'], otel: { name: 'messaging.client.consumed.messages', unit: '{message}', attributes: { ...Q_ATTR, attempt: 'bullmq.job.attempt' } },
    }),
    processed: m.counter<Q | 'outcome'>({
      name: 'bullmq_jobs_processed_total', help: 'Attempts finished, by outcome: completed, failed (for good), retried (failed, will retry), stalled (lock lost, moved back by a worker)',
      labelNames: ['queue', 'outcome'], otel: { name: 'bullmq.jobs.processed', unit: '{job}', attributes: { ...Q_ATTR, outcome: 'bullmq.job.outcome' } },
    }),
    errors: m.counter<Q | 'error_type' | 'final'>({
      name: 'bullmq_job_errors_total', help: 'Failed attempts by error_type (timeout, rate_limited, upstream, validation, unrecoverable, other) and whether final',
      labelNames: ['queue', 'error_type', 'final'], otel: { name: 'bullmq.job.errors', unit: '{error}', attributes: { ...Q_ATTR, error_type: 'error.type', final: 'bullmq.job.final' } },
    }),
    enqueued: m.counter<Q>({
      name: 'bullmq_jobs_enqueued_total', help: 'Jobs added by instrumented producers (Queue.add/addBulk)',
      labelNames: ['queue'], otel: { name: 'messaging.client.sent.messages', unit: '{message}', attributes: Q_ATTR },
    }),
    enqueueErrors: m.counter<Q>({ name: 'bullmq_enqueue_errors_total', help: 'Queue.add/addBulk calls that failed (jobs not added)', labelNames: ['queue'], otel: { name: 'bullmq.enqueue.errors', unit: '{error}', attributes: Q_ATTR } }),
    activeJobs: g('bullmq_worker_active_jobs', 'Jobs this process is running now', 'bullmq.worker.active_jobs', '{job}'),
    concurrency: g('bullmq_worker_concurrency', 'Configured concurrency of this process\'s workers', 'bullmq.worker.concurrency', '{job}'),
    utilization: g('bullmq_worker_utilization_ratio', 'active_jobs / concurrency in this process', 'bullmq.worker.utilization', '1'),
    queueJobs: m.gauge<Q | 'state'>({
      name: 'bullmq_queue_jobs', help: 'Jobs per state, read from Redis by the elected collector',
      labelNames: ['queue', 'state'], otel: { name: 'bullmq.queue.jobs', unit: '{job}', attributes: { ...Q_ATTR, state: 'bullmq.job.state' } },
    }),
    delayedDue: g('bullmq_queue_delayed_due_jobs', 'Delayed jobs already due but not promoted yet (counted in the ready backlog)', 'bullmq.queue.delayed_due', '{job}'),
    readyBacklog: g('bullmq_queue_ready_backlog', 'Jobs a worker could start now: waiting + prioritized + due delayed (+ legacy paused list)', 'bullmq.queue.ready_backlog', '{job}'),
    oldestReadyAge: g('bullmq_queue_oldest_ready_job_age_seconds', 'Age of the oldest ready job since it became ready; 0 when none', 'bullmq.queue.oldest_ready_age', 's'),
    paused: g('bullmq_queue_paused', '1 while the queue is paused', 'bullmq.queue.paused', '1'),
    queueWorkers: g('bullmq_queue_workers', 'Live instrumented workers registered for the queue (heartbeats)', 'bullmq.queue.workers', '{worker}'),
    queueConcurrency: g('bullmq_queue_concurrency', 'Sum of the concurrency of the live workers', 'bullmq.queue.concurrency', '{job}'),
    backlogPerSlot: g('bullmq_queue_ready_backlog_per_slot', 'Ready backlog per slot of concurrency (backlog itself when no worker is alive)', 'bullmq.queue.backlog_per_slot', '1'),
    queueUtilization: g('bullmq_queue_utilization_ratio', 'Active jobs / total concurrency of live workers', 'bullmq.queue.utilization', '1'),
    desiredWorkers: g('bullmq_queue_desired_workers', 'Workers the queue wants now (hint for an autoscaler)', 'bullmq.queue.desired_workers', '{worker}'),
    collectorLeader: g('bullmq_queue_collector_leader', '1 in the pod that holds the queue\'s collector lock, else 0'),
    collectTimestamp: g('bullmq_queue_last_collect_timestamp_seconds', 'When the collector last read the queue (unix seconds)'),
    collectErrors: m.counter<Q>({ name: 'bullmq_queue_collect_errors_total', help: 'Collector ticks that failed to read Redis', labelNames: ['queue'] }),
    flushers,
  };
}
