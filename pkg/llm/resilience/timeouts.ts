/**
 * Deadlines for many in-flight calls on one coarse timer instead of one timer
 * per call (and per retry): an entry is a plain object whose `at` can be moved
 * (an idle timeout refreshes it per stream event by assigning a number). The
 * ticker runs only while entries exist and never keeps the process alive.
 */
export interface TimeoutEntry {
  /** Epoch ms at which the controller is aborted. */
  at: number;
  readonly controller: AbortController;
  readonly reason: () => unknown;
}

export class Timeouts {
  #entries = new Set<TimeoutEntry>();
  #timer: NodeJS.Timeout | undefined;
  readonly #tickMs: number;

  /** @param tickMs granularity in ms (default 10): a deadline fires at most this late. */
  constructor(tickMs = 10) {
    this.#tickMs = tickMs;
  }

  /** Aborts `controller` with `reason()` after `ms`, unless cleared first. */
  add(ms: number, controller: AbortController, reason: () => unknown): TimeoutEntry {
    const entry: TimeoutEntry = { at: Date.now() + ms, controller, reason };
    this.#entries.add(entry);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      this.#timer.unref();
    }
    return entry;
  }

  clear(entry: TimeoutEntry | undefined): void {
    if (!entry) return;
    this.#entries.delete(entry);
    if (this.#entries.size === 0 && this.#timer) { clearInterval(this.#timer); this.#timer = undefined; }
  }

  get size(): number {
    return this.#entries.size;
  }

  #tick(): void {
    const now = Date.now();
    for (const e of this.#entries) {
      if (e.at <= now) {
        this.#entries.delete(e);
        if (!e.controller.signal.aborted) e.controller.abort(e.reason());
      }
    }
    if (this.#entries.size === 0 && this.#timer) { clearInterval(this.#timer); this.#timer = undefined; }
  }
}
