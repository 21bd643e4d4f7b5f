/** Weight of the newest sample in the moving average: about the last five answers count. */
const DEFAULT_LATENCY_ALPHA = 0.3;

/** Exponentially weighted moving average of each upstream's observed latency (ms), for `routing: latency`. */
export class LatencyTracker {
  readonly #alpha: number;
  readonly #ewma = new Map<string, number>();

  constructor(alpha = DEFAULT_LATENCY_ALPHA) {
    this.#alpha = alpha;
  }

  observe(name: string, ms: number): void {
    const prev = this.#ewma.get(name);
    this.#ewma.set(name, prev === undefined ? ms : prev + this.#alpha * (ms - prev));
  }

  /** The average, undefined before the first sample. */
  get(name: string): number | undefined {
    return this.#ewma.get(name);
  }
}
