/**
 * In-process sliding windows for the health API (Prometheus computes the
 * cross-pod figures from counters and histograms). Fixed memory: a ring of
 * time slots; nothing allocated per event.
 */
export interface WindowOptions {
  /** Width of one slot in ms. Default 1000. */
  slotMs?: number;
  /** Slots kept: the longest window is `slotMs × slots`. Default 300 (5 min of 1 s slots). */
  slots?: number;
}

export class SlidingCounter {
  readonly #slotMs: number;
  readonly #counts: Float64Array;
  readonly #ids: Float64Array;
  readonly #startedAt: number;

  constructor(options: WindowOptions = {}, now = Date.now()) {
    this.#slotMs = options.slotMs ?? 1000;
    const slots = options.slots ?? 300;
    this.#counts = new Float64Array(slots);
    this.#ids = new Float64Array(slots).fill(-1);
    this.#startedAt = now;
  }

  add(n: number, now = Date.now()): void {
    const id = Math.floor(now / this.#slotMs);
    const i = id % this.#counts.length;
    if (this.#ids[i] !== id) {
      this.#ids[i] = id;
      this.#counts[i] = 0;
    }
    this.#counts[i] += n;
  }

  /** Sum over the last `windowMs` (whole slots, the current one included). */
  sum(windowMs: number, now = Date.now()): number {
    const id = Math.floor(now / this.#slotMs);
    const span = Math.min(this.#counts.length, Math.max(1, Math.ceil(windowMs / this.#slotMs)));
    let total = 0;
    for (let k = 0; k < span; k++) {
      const slotId = id - k;
      const i = ((slotId % this.#counts.length) + this.#counts.length) % this.#counts.length;
      if (this.#ids[i] === slotId) total += this.#counts[i];
    }
    return total;
  }

  /** Events per second over the window, or over the time since start if shorter (at least one slot). */
  rate(windowMs: number, now = Date.now()): number {
    const elapsed = Math.max(this.#slotMs, Math.min(windowMs, now - this.#startedAt));
    return this.sum(windowMs, now) / (elapsed / 1000);
  }
}

/**
 * A histogram over a sliding window, with the same bucket bounds as the
 * Prometheus histogram, so its quantiles match `histogram_quantile` on one pod.
 */
export class SlidingHistogram {
  readonly #slotMs: number;
  readonly #bounds: readonly number[];
  readonly #buckets: Float64Array[];
  readonly #ids: Float64Array;

  constructor(bounds: readonly number[], options: WindowOptions = {}) {
    this.#bounds = bounds;
    this.#slotMs = options.slotMs ?? 10_000;
    const slots = options.slots ?? 30;
    this.#buckets = Array.from({ length: slots }, () => new Float64Array(bounds.length + 1));
    this.#ids = new Float64Array(slots).fill(-1);
  }

  observe(value: number, now = Date.now()): void {
    const id = Math.floor(now / this.#slotMs);
    const i = id % this.#buckets.length;
    if (this.#ids[i] !== id) {
      this.#ids[i] = id;
      this.#buckets[i].fill(0);
    }
    let b = 0;
    while (b < this.#bounds.length && value > this.#bounds[b]) b++;
    this.#buckets[i][b]++;
  }

  #merged(windowMs: number, now: number): Float64Array {
    const id = Math.floor(now / this.#slotMs);
    const span = Math.min(this.#buckets.length, Math.max(1, Math.ceil(windowMs / this.#slotMs)));
    const out = new Float64Array(this.#bounds.length + 1);
    for (let k = 0; k < span; k++) {
      const slotId = id - k;
      const i = ((slotId % this.#buckets.length) + this.#buckets.length) % this.#buckets.length;
      if (this.#ids[i] !== slotId) continue;
      for (let b = 0; b < out.length; b++) out[b] += this.#buckets[i][b];
    }
    return out;
  }

  count(windowMs: number, now = Date.now()): number {
    return this.#merged(windowMs, now).reduce((a, b) => a + b, 0);
  }

  /**
   * The q-quantile by linear interpolation within a bucket, as Prometheus'
   * `histogram_quantile` does; values past the last bound report that bound.
   * `null` when the window holds no observation.
   */
  quantile(q: number, windowMs: number, now = Date.now()): number | null {
    const counts = this.#merged(windowMs, now);
    const total = counts.reduce((a, b) => a + b, 0);
    if (total === 0) return null;
    const rank = q * total;
    let cumulative = 0;
    for (let b = 0; b < counts.length; b++) {
      const prev = cumulative;
      cumulative += counts[b];
      if (cumulative >= rank && counts[b] > 0) {
        if (b === this.#bounds.length) return this.#bounds[this.#bounds.length - 1];
        const lower = b === 0 ? 0 : this.#bounds[b - 1];
        const upper = this.#bounds[b];
        return lower + (upper - lower) * ((rank - prev) / counts[b]);
      }
    }
    return this.#bounds[this.#bounds.length - 1];
  }
}
