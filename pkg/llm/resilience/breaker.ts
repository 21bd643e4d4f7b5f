import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { LlmError, type ErrorKind } from '../errors.ts';

export type BreakerState = 'closed' | 'half_open' | 'open';

export interface BreakerOptions {
  /** Rolling window over which the error rate is computed, ms. Default 30000 (`LLM_BREAKER_WINDOW_MS`). */
  windowMs?: number;
  /** Buckets in the window. Default 10. */
  buckets?: number;
  /** Opens when the error percentage in the window is above this. Default 50 (`LLM_BREAKER_ERROR_PCT`). */
  errorPct?: number;
  /** Calls in the window before it may open. Default 10 (`LLM_BREAKER_MIN_REQUESTS`). */
  minRequests?: number;
  /** Time open before one trial call is let through, ms. Default 30000 (`LLM_BREAKER_RESET_MS`). */
  resetMs?: number;
  /** Shared bucket rotation for many breakers (one timer for all). Default: the breaker's own. */
  rotate?: EventEmitter;
  /** Called on every state change. */
  onState?: (state: BreakerState) => void;
}

/**
 * A circuit breaker around one provider (opossum). It guards a thunk: the
 * caller passes its own per-request AbortSignal inside the thunk (opossum's
 * own abortController is one per breaker and would abort every call). No
 * opossum timeout: attempt timeouts are the caller's, and for streams the
 * thunk covers only "connect and receive the first event". Client errors
 * (LlmError.countsAsFailure false) count as successes.
 */
export class ProviderBreaker {
  readonly name: string;
  #cb: CircuitBreaker<[() => Promise<unknown>], unknown>;
  #lastError: { kind: ErrorKind; at: string } | undefined;

  constructor(name: string, options: BreakerOptions = {}) {
    this.name = name;
    this.#cb = new CircuitBreaker((thunk: () => Promise<unknown>) => thunk(), {
      name,
      timeout: false,
      errorThresholdPercentage: options.errorPct ?? 50,
      volumeThreshold: options.minRequests ?? 10,
      rollingCountTimeout: options.windowMs ?? 30_000,
      rollingCountBuckets: options.buckets ?? 10,
      resetTimeout: options.resetMs ?? 30_000,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      ...(options.rotate ? { rotateBucketController: options.rotate } : {}),
      errorFilter: (err: unknown) => err instanceof LlmError && !err.countsAsFailure,
    } as CircuitBreaker.Options);
    this.#cb.on('failure', (err: unknown) => {
      this.#lastError = { kind: err instanceof LlmError ? err.kind : 'network', at: new Date().toISOString() };
    });
    const onState = options.onState;
    if (onState) {
      this.#cb.on('open', () => onState('open'));
      this.#cb.on('halfOpen', () => onState('half_open'));
      this.#cb.on('close', () => onState('closed'));
    }
  }

  /** Runs `thunk` through the breaker; an open breaker throws LlmError `breaker_open` without calling it. */
  async fire<T>(thunk: () => Promise<T>): Promise<T> {
    try {
      return (await this.#cb.fire(thunk)) as T;
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') throw new LlmError('breaker_open', `${this.name}: circuit breaker is open`, { provider: this.name });
      throw err;
    }
  }

  /** Whether a call now would be let through (closed, or half-open with no trial in flight yet). */
  get allows(): boolean {
    return !this.#cb.opened || this.#cb.halfOpen;
  }

  get state(): BreakerState {
    if (this.#cb.halfOpen) return 'half_open';
    return this.#cb.opened ? 'open' : 'closed';
  }

  /** Calls and failures in the rolling window, and the error rate in percent. */
  get window(): { calls: number; failures: number; errorPct: number } {
    const s = this.#cb.stats;
    const calls = s.fires;
    return { calls, failures: s.failures, errorPct: calls ? Math.round((s.failures / calls) * 1000) / 10 : 0 };
  }

  get lastError(): { kind: ErrorKind; at: string } | undefined {
    return this.#lastError;
  }

  shutdown(): void {
    this.#cb.shutdown();
  }
}

/** One timer rotating the buckets of every breaker with this window. */
export function createRotation(windowMs: number, buckets = 10): { emitter: EventEmitter; stop(): void } {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const timer = setInterval(() => emitter.emit('rotate'), Math.max(1, Math.floor(windowMs / buckets)));
  timer.unref();
  return { emitter, stop: () => clearInterval(timer) };
}
