/**
 * The circuit breaker in front of the cache backend. While closed, every op
 * goes to the backend; after `failureThreshold` consecutive failures it opens
 * and ops are answered `unavailable` at once, without touching the backend.
 * While open, a probe (the backend's PING) runs every `probeIntervalMs`; the
 * first success closes it. The probe, not an app request, is the half-open
 * trial, so no caller pays for finding out.
 *
 * Not opossum: opossum wraps every call in its own promise, event emission and
 * bucketed statistics, which is more than the whole op costs on this hot path,
 * and its half-open trial is a live request. The state here is two fields.
 */
export type GuardState = 'closed' | 'open';

export interface BackendGuardOptions {
  /** Pings the backend; rejects when it is not usable. */
  probe: () => Promise<void>;
  /** Consecutive failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** Period of the probe while open, in ms. Default 250. */
  probeIntervalMs?: number;
  /** Called on every transition. */
  onStateChange?: (state: GuardState, reason: string) => void;
}

export class BackendGuard {
  #state: GuardState = 'closed';
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #probing = false;
  #lastError = '';
  #openedAt = 0;
  readonly #probe: () => Promise<void>;
  readonly #threshold: number;
  readonly #interval: number;
  readonly #onChange?: (state: GuardState, reason: string) => void;

  constructor(options: BackendGuardOptions) {
    this.#probe = options.probe;
    this.#threshold = options.failureThreshold ?? 3;
    this.#interval = options.probeIntervalMs ?? 250;
    if (!(this.#threshold >= 1)) throw new RangeError('failureThreshold must be at least 1');
    if (!(this.#interval > 0)) throw new RangeError('probeIntervalMs must be positive');
    this.#onChange = options.onStateChange;
  }

  get state(): GuardState {
    return this.#state;
  }

  /** True when ops may go to the backend. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  success(): void {
    this.#failures = 0;
  }

  failure(reason: string): void {
    this.#lastError = reason;
    if (this.#state === 'open') return;
    if (++this.#failures >= this.#threshold) this.#open(reason);
  }

  snapshot(): { state: GuardState; consecutiveFailures: number; lastError: string; openSince: string | null } {
    return {
      state: this.#state,
      consecutiveFailures: this.#failures,
      lastError: this.#lastError,
      openSince: this.#state === 'open' ? new Date(this.#openedAt).toISOString() : null,
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #open(reason: string): void {
    this.#state = 'open';
    this.#openedAt = Date.now();
    this.#onChange?.('open', reason);
    this.#timer = setInterval(() => void this.#tryProbe(), this.#interval);
    this.#timer.unref();
  }

  async #tryProbe(): Promise<void> {
    if (this.#probing || this.#state !== 'open') return;
    this.#probing = true;
    try {
      await this.#probe();
      this.stop();
      this.#state = 'closed';
      this.#failures = 0;
      this.#onChange?.('closed', 'probe succeeded');
    } catch (err) {
      this.#lastError = err instanceof Error ? err.message : String(err);
    } finally {
      this.#probing = false;
    }
  }
}
