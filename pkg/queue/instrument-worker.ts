import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Metrics } from '#pkg/metrics/index.ts';
import { classifyError, type ErrorClassifier } from './taxonomy.ts';
import { queueTelemetry, type QueueTelemetry } from './telemetry.ts';
import { WorkerHeartbeat } from './registry.ts';
import { QueueError } from './errors.ts';

export interface InstrumentWorkerOptions {
  metrics: Metrics;
  /** An app's own error classifier, asked before the built-in rules. Default none. */
  classify?: ErrorClassifier;
  /**
   * A (non-blocking) Redis connection for the capacity heartbeat: the worker
   * announces its concurrency every `heartbeatMs` so the collector knows the
   * queue's total capacity. Default none (no heartbeat).
   */
  heartbeatRedis?: Redis;
  /** Default 5000 ms. */
  heartbeatMs?: number;
  /** BullMQ prefix, for the heartbeat key. Default the worker's own (`worker.opts.prefix`, else 'bull'). */
  prefix?: string;
  /** Gauge refresh period (active jobs, concurrency, utilization). Default 1000 ms. */
  refreshMs?: number;
  /** Called when the heartbeat cannot reach Redis. */
  onError?: (err: unknown) => void;
}

export interface WorkerInstrumentation {
  readonly telemetry: QueueTelemetry;
  /** Detaches: restores the processor call, removes listeners and the heartbeat entry. */
  stop(): Promise<void>;
}

const INSTRUMENTED = Symbol.for('pilotfish.queue.instrumented');

/** Errors BullMQ treats as "move the job elsewhere", not as failures. */
const DEFERRALS = new Set(['DelayedError', 'WaitingError', 'WaitingChildrenError', 'RateLimitError']);

type ProcessCall = (job: Job, token: string, signal?: AbortSignal) => Promise<unknown>;
interface Wrappable { callProcessJob: ProcessCall }

/**
 * Instruments a BullMQ `Worker` in place, with no change to how jobs are
 * written and no Redis command per job:
 * - wraps the worker's processor call (sandboxed processors too) for in-flight
 *   count, lag of first attempts, retries counted apart, processing time;
 * - listens to `completed`, `failed` (final when BullMQ set `finishedOn`,
 *   i.e. no retry is left or the error was unrecoverable) and `stalled`.
 */
export function instrumentWorker(worker: Worker, options: InstrumentWorkerOptions): WorkerInstrumentation {
  const target = worker as unknown as Wrappable;
  if (typeof target.callProcessJob !== 'function') {
    throw new QueueError('unsupported_bullmq', 'this BullMQ version has no Worker.callProcessJob to instrument');
  }
  const marked = worker as unknown as Record<symbol, boolean>;
  if (marked[INSTRUMENTED]) throw new QueueError('already_instrumented', `worker of queue ${worker.name} is already instrumented: events would count twice`);
  marked[INSTRUMENTED] = true;
  const telemetry = queueTelemetry(options.metrics, worker.name);
  const original = target.callProcessJob;
  // No async wrapper: one `then` is the only extra promise per job.
  const wrapped: ProcessCall = function (this: unknown, job, token, signal) {
    telemetry.attemptStarted(job, Date.now());
    const t0 = performance.now();
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(original.call(worker, job, token, signal));
    } catch (err) {
      pending = Promise.reject(err as Error);
    }
    return pending.then(
      (result) => {
        telemetry.attemptEnded((performance.now() - t0) / 1000, 'ok');
        return result;
      },
      (err: unknown) => {
        telemetry.attemptEnded((performance.now() - t0) / 1000, DEFERRALS.has((err as Error | undefined)?.name ?? '') ? 'deferred' : 'error');
        throw err;
      },
    );
  };
  target.callProcessJob = wrapped;

  const onCompleted = () => telemetry.completed(Date.now());
  const onFailed = (job: Job | undefined, err: Error) => {
    const final = job === undefined || (typeof job.finishedOn === 'number' && job.finishedOn > 0);
    telemetry.failed(classifyError(err, options.classify), final, Date.now());
  };
  const onStalled = () => telemetry.stalled();
  worker.on('completed', onCompleted);
  worker.on('failed', onFailed);
  worker.on('stalled', onStalled);

  const removeConcurrency = telemetry.addConcurrency(worker, () => worker.concurrency);
  const refresh = setInterval(() => telemetry.refreshGauges(), options.refreshMs ?? 1000);
  refresh.unref();

  const heartbeat = options.heartbeatRedis
    ? new WorkerHeartbeat({
        redis: options.heartbeatRedis,
        queue: worker.name,
        prefix: options.prefix ?? (worker.opts.prefix || 'bull'),
        id: `${worker.id || 'w'}:${randomUUID()}`,
        concurrency: () => worker.concurrency,
        intervalMs: options.heartbeatMs,
        onError: options.onError,
      })
    : undefined;
  heartbeat?.start();

  let stopped = false;
  return {
    telemetry,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(refresh);
      if (target.callProcessJob === wrapped) delete (target as Partial<Wrappable>).callProcessJob;
      if (target.callProcessJob !== original) target.callProcessJob = original;
      worker.off('completed', onCompleted);
      worker.off('failed', onFailed);
      worker.off('stalled', onStalled);
      removeConcurrency();
      marked[INSTRUMENTED] = false;
      await heartbeat?.stop();
    },
  };
}
