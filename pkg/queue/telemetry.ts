import type { BoundCounter, BoundHistogram, Metrics } from '#pkg/metrics/index.ts';
import { queueInstruments, LAG_BUCKETS_SECONDS, type QueueInstruments } from './instruments.ts';
import { isFirstAttempt, lagSeconds, type JobTiming } from './lag.ts';
import type { ErrorType } from './taxonomy.ts';
import { SlidingCounter, SlidingHistogram } from './window.ts';

const WINDOW_1M = 60_000;
const WINDOW_5M = 300_000;

/** What the health API reports from this process's own events. */
export interface LocalQueueStats {
  processedPerSec: { '1m': number; '5m': number };
  enqueuedPerSec: { '1m': number; '5m': number };
  /** Failed attempts / finished attempts (completed + failed + retried); null when none. */
  errorRatio: { '1m': number | null; '5m': number | null };
  /** Finished attempts over 5 min (how much the ratio rests on). */
  attempts5m: number;
  lagSeconds: { p50: number | null; p95: number | null; p99: number | null };
  activeJobs: number;
  concurrency: number;
  utilization: number;
}

/**
 * One queue's telemetry in one process: bound instruments (cheap hot path)
 * plus the sliding windows behind the health API. Shared by every worker and
 * producer of that queue in the process.
 */
export class QueueTelemetry {
  readonly queue: string;
  readonly instruments: QueueInstruments;
  readonly #startedFirst: BoundCounter;
  readonly #startedRetry: BoundCounter;
  readonly #lagHist: BoundHistogram;
  readonly #durOk: BoundHistogram;
  readonly #durErr: BoundHistogram;
  readonly #durDeferred: BoundHistogram;
  readonly #outcomes: Record<'completed' | 'failed' | 'retried' | 'stalled', BoundCounter>;
  readonly #enqueuedCounter: BoundCounter;
  readonly #finishedWin = new SlidingCounter();
  readonly #failedWin = new SlidingCounter();
  readonly #enqueuedWin = new SlidingCounter();
  readonly #lagWin = new SlidingHistogram(LAG_BUCKETS_SECONDS);
  #active = 0;
  // Hot-path counts, batched: a plain increment per job, pushed to the
  // counters by flush() (before each scrape and every refresh).
  #pendingFirst = 0;
  #pendingRetry = 0;
  #pendingCompleted = 0;
  readonly #concurrencies = new Map<object, () => number>();

  constructor(metrics: Metrics, queue: string) {
    this.queue = queue;
    const i = queueInstruments(metrics);
    this.instruments = i;
    this.#startedFirst = i.started.bind({ queue, attempt: 'first' });
    this.#startedRetry = i.started.bind({ queue, attempt: 'retry' });
    this.#lagHist = i.lag.bind({ queue });
    this.#durOk = i.processDuration.bind({ queue, status: 'ok' });
    this.#durErr = i.processDuration.bind({ queue, status: 'error' });
    this.#durDeferred = i.processDuration.bind({ queue, status: 'deferred' });
    this.#outcomes = {
      completed: i.processed.bind({ queue, outcome: 'completed' }),
      failed: i.processed.bind({ queue, outcome: 'failed' }),
      retried: i.processed.bind({ queue, outcome: 'retried' }),
      stalled: i.processed.bind({ queue, outcome: 'stalled' }),
    };
    this.#enqueuedCounter = i.enqueued.bind({ queue });
    i.activeJobs.set({ queue }, 0);
    this.#errorsInit();
    i.flushers.add(() => this.flush());
  }

  /** Pushes batched counts to the Prometheus/OTel counters. */
  flush(): void {
    if (this.#pendingFirst > 0) { this.#startedFirst.inc(this.#pendingFirst); this.#pendingFirst = 0; }
    if (this.#pendingRetry > 0) { this.#startedRetry.inc(this.#pendingRetry); this.#pendingRetry = 0; }
    if (this.#pendingCompleted > 0) { this.#outcomes.completed.inc(this.#pendingCompleted); this.#pendingCompleted = 0; }
  }

  #errorsInit(): void {
    // Zero series exist from the start, so rate() sees the first increment.
    for (const outcome of Object.values(this.#outcomes)) outcome.inc(0);
    this.#enqueuedCounter.inc(0);
  }

  /** An attempt starts: lag for a first attempt, a retry counted apart. */
  attemptStarted(job: JobTiming, now: number): void {
    this.#active++;
    if (isFirstAttempt(job)) {
      this.#pendingFirst++;
      const lag = lagSeconds(job, now);
      this.#lagHist.observe(lag);
      this.#lagWin.observe(lag, now);
    } else {
      this.#pendingRetry++;
    }
  }

  /** The processor returned (ok), threw (error), or deferred the job (DelayedError and kin). */
  attemptEnded(seconds: number, status: 'ok' | 'error' | 'deferred'): void {
    this.#active--;
    (status === 'ok' ? this.#durOk : status === 'error' ? this.#durErr : this.#durDeferred).observe(seconds);
  }

  completed(now: number): void {
    this.#pendingCompleted++;
    this.#finishedWin.add(1, now);
  }

  failed(errorType: ErrorType, final: boolean, now: number): void {
    (final ? this.#outcomes.failed : this.#outcomes.retried).inc();
    this.instruments.errors.inc({ queue: this.queue, error_type: errorType, final: final ? 'true' : 'false' });
    this.#finishedWin.add(1, now);
    this.#failedWin.add(1, now);
  }

  stalled(): void {
    this.#outcomes.stalled.inc();
  }

  enqueued(n: number, now: number): void {
    this.#enqueuedCounter.inc(n);
    this.#enqueuedWin.add(n, now);
  }

  enqueueFailed(): void {
    this.instruments.enqueueErrors.inc({ queue: this.queue });
  }

  /** Registers a source of configured concurrency (a worker); returns its removal. */
  addConcurrency(owner: object, read: () => number): () => void {
    this.#concurrencies.set(owner, read);
    this.refreshGauges();
    return () => {
      this.#concurrencies.delete(owner);
      this.refreshGauges();
    };
  }

  get activeJobs(): number {
    return this.#active;
  }

  get concurrency(): number {
    let total = 0;
    for (const read of this.#concurrencies.values()) total += read();
    return total;
  }

  /** Flushes batched counts and pushes active jobs, concurrency and utilization to their gauges (on a timer and before reads). */
  refreshGauges(): void {
    this.flush();
    const queue = this.queue;
    const c = this.concurrency;
    this.instruments.activeJobs.set({ queue }, this.#active);
    this.instruments.concurrency.set({ queue }, c);
    this.instruments.utilization.set({ queue }, c > 0 ? this.#active / c : 0);
  }

  stats(now = Date.now()): LocalQueueStats {
    const ratio = (w: number) => {
      const finished = this.#finishedWin.sum(w, now);
      return finished > 0 ? this.#failedWin.sum(w, now) / finished : null;
    };
    const c = this.concurrency;
    return {
      processedPerSec: { '1m': this.#finishedWin.rate(WINDOW_1M, now), '5m': this.#finishedWin.rate(WINDOW_5M, now) },
      enqueuedPerSec: { '1m': this.#enqueuedWin.rate(WINDOW_1M, now), '5m': this.#enqueuedWin.rate(WINDOW_5M, now) },
      errorRatio: { '1m': ratio(WINDOW_1M), '5m': ratio(WINDOW_5M) },
      attempts5m: this.#finishedWin.sum(WINDOW_5M, now),
      lagSeconds: {
        p50: this.#lagWin.quantile(0.5, WINDOW_5M, now),
        p95: this.#lagWin.quantile(0.95, WINDOW_5M, now),
        p99: this.#lagWin.quantile(0.99, WINDOW_5M, now),
      },
      activeJobs: this.#active,
      concurrency: c,
      utilization: c > 0 ? this.#active / c : 0,
    };
  }
}

const perMetrics = new WeakMap<Metrics, Map<string, QueueTelemetry>>();

/** The process-wide telemetry of one queue on one `Metrics`. */
export function queueTelemetry(metrics: Metrics, queue: string): QueueTelemetry {
  let byQueue = perMetrics.get(metrics);
  if (!byQueue) {
    byQueue = new Map();
    perMetrics.set(metrics, byQueue);
  }
  let t = byQueue.get(queue);
  if (!t) {
    t = new QueueTelemetry(metrics, queue);
    byQueue.set(queue, t);
  }
  return t;
}
