/**
 * Op deadlines without a timer per request. Every op gets the same timeout,
 * so deadlines expire in the order they were taken: a FIFO swept by one
 * interval timer (running only while something is pending) replaces a
 * setTimeout/clearTimeout pair per request, which costs more at the tail
 * than the Redis round trip itself.
 */
export interface Deadline {
  readonly at: number;
  /** True once the op answered (either way); a settled deadline is skipped by the sweep. */
  readonly settled: boolean;
}

/**
 * What the sweeper expires. A hot path's own per-op record can be one (see
 * `PendingGet`), so that taking a deadline allocates nothing beyond it.
 */
export interface Expirable extends Deadline {
  /** Called once by the sweep, when `at` has passed and the op is still unsettled; marks it settled. */
  expire(): void;
}

class CallbackDeadline implements Expirable {
  readonly at: number;
  settled = false;
  // Dropped on settle: a settled deadline waits in the queue until swept, and must
  // not keep the request and response it answered alive until then.
  onExpire: (() => void) | null;

  constructor(at: number, onExpire: () => void) {
    this.at = at;
    this.onExpire = onExpire;
  }

  expire(): void {
    const fire = this.onExpire!;
    this.settled = true;
    this.onExpire = null;
    fire();
  }
}

export interface DeadlineSweeperOptions {
  /** The op timeout in ms. */
  timeoutMs: number;
  /** Sweep period in ms. Default: a tenth of the timeout, at least 1 ms. */
  resolutionMs?: number;
  /** Clock. Default `performance.now`. */
  now?: () => number;
}

export class DeadlineSweeper {
  readonly timeoutMs: number;
  readonly resolutionMs: number;
  #queue: Expirable[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #now: () => number;

  constructor(options: DeadlineSweeperOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.timeoutMs = options.timeoutMs;
    this.resolutionMs = Math.max(1, options.resolutionMs ?? Math.floor(options.timeoutMs / 10));
    this.#now = options.now ?? (() => performance.now());
  }

  /** The sweeper's clock (`performance.now` unless one was given). */
  now(): number {
    return this.#now();
  }

  /**
   * When an op started at `start` (by `now()`) must be answered: one sweep
   * period before its timeout, so that the sweep's granularity never makes an
   * answer late.
   */
  deadlineFrom(start: number): number {
    return start + Math.max(1, this.timeoutMs - this.resolutionMs);
  }

  /** Starts a deadline that fires `onExpire` no later than the timeout, unless settled first. */
  start(onExpire: () => void): Deadline {
    const deadline = new CallbackDeadline(this.deadlineFrom(this.#now()), onExpire);
    this.track(deadline);
    return deadline;
  }

  /** Watches a record whose `at` came from `deadlineFrom`: the sweep calls its `expire` unless it settled first. */
  track(item: Expirable): void {
    this.#queue.push(item);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.sweep(), this.resolutionMs);
      this.#timer.unref();
    }
  }

  /**
   * Marks the op answered. Returns false when the deadline had already fired
   * (or was settled): the caller must then not answer again.
   */
  settle(deadline: Deadline): boolean {
    const entry = deadline as CallbackDeadline;
    if (entry.settled) return false;
    entry.settled = true;
    entry.onExpire = null;
    return true;
  }

  /** Fires every expired, unsettled deadline. Public for tests. */
  sweep(): void {
    const now = this.#now();
    const q = this.#queue;
    while (this.#head < q.length) {
      const d = q[this.#head];
      if (!d.settled) {
        if (d.at > now) break;
        d.expire();
      }
      this.#head++;
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
      clearInterval(this.#timer);
      this.#timer = undefined;
    } else if (this.#head > 1024 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
  }

  get pending(): number {
    return this.#queue.length - this.#head;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
