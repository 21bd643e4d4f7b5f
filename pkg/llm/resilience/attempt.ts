import { LlmError } from '../errors.ts';
import type { TimeoutEntry, Timeouts } from './timeouts.ts';

/**
 * The signal of one upstream attempt: aborted when the caller's signal aborts
 * (client gone, overall deadline), or when the attempt's own timeout passes.
 * `release()` detaches it from the caller's signal and clears its timeout.
 */
export class Attempt {
  readonly controller = new AbortController();
  readonly #parent: AbortSignal;
  readonly #timeouts: Timeouts;
  #entry: TimeoutEntry | undefined;
  readonly #onParentAbort = () => this.controller.abort(this.#parent.reason);

  constructor(parent: AbortSignal, timeouts: Timeouts, timeoutMs: number, provider: string, what = 'attempt') {
    this.#parent = parent;
    this.#timeouts = timeouts;
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
    this.#entry = timeouts.add(timeoutMs, this.controller, () => new LlmError('timeout', `${provider}: no answer within ${timeoutMs} ms (${what} timeout)`, { provider }));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Replaces the attempt timeout by an idle timeout that `touch()` pushes back (streams after their first event). */
  idle(ms: number, provider: string): void {
    this.#timeouts.clear(this.#entry);
    this.#entry = ms > 0 ? this.#timeouts.add(ms, this.controller, () => new LlmError('timeout', `${provider}: stream idle for ${ms} ms`, { provider })) : undefined;
    this.#idleMs = ms;
  }

  #idleMs = 0;

  touch(): void {
    if (this.#entry) this.#entry.at = Date.now() + this.#idleMs;
  }

  release(): void {
    this.#timeouts.clear(this.#entry);
    this.#entry = undefined;
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }
}
