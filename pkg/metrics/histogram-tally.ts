import type client from 'prom-client';

/**
 * Observations of one bound histogram series, counted in plain numbers until
 * prom-client is read. prom-client's own bound `observe` builds a label object,
 * validates and hashes it and looks the series up on every call; on the cache
 * sidecar's GET hit that is the largest piece of its one-connection latency
 * after the backend round trip (docs/development.md, "Reliance on library internals").
 *
 * `flush` adds what was counted to prom-client's series through its internal
 * per-series record (`hashMap` entries: `labels`, `bucketValues`, `sum`,
 * `count`), which prom-client 15.1.3 exports as it does its own observations.
 * `histogram-tally.test.ts` fails by name when an upgrade changes that record.
 */
export class HistogramTally {
  readonly #bounds: readonly number[];
  readonly #labels: Record<string, string | number>;
  /** Observations per bucket, not cumulative: index i counts values in (bounds[i-1], bounds[i]]; past the last bound only `count` hears them, as in prom-client. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[], labels: Record<string, string | number>) {
    this.#bounds = bounds;
    this.#labels = labels;
    this.#counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    // What prom-client would refuse at once must not wait to fail at the next scrape.
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.#counts[i]++;
        break;
      }
    }
    this.#sum += value;
    this.#count++;
  }

  /** Adds the counted observations to `histogram`'s series for this tally's labels, and starts counting from zero. */
  flush(histogram: client.Histogram<string>): void {
    if (this.#count === 0) return;
    const series = seriesOf(histogram, this.#labels);
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (this.#counts[i] === 0) continue;
      series.bucketValues[bounds[i]] += this.#counts[i];
      this.#counts[i] = 0;
    }
    series.sum += this.#sum;
    series.count += this.#count;
    this.#sum = 0;
    this.#count = 0;
  }
}

/** prom-client's record of one histogram series (lib/histogram.js `createBaseValues`). */
export interface PromHistogramSeries {
  labels: Record<string, string | number>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** The series of `histogram` with exactly `labels`, created empty (public `zero`) when it has none yet. */
export function seriesOf(histogram: client.Histogram<string>, labels: Record<string, string | number>): PromHistogramSeries {
  const find = () => Object.values((histogram as unknown as { hashMap: Record<string, PromHistogramSeries> }).hashMap)
    .find((s) => sameLabels(s.labels, labels));
  let series = find();
  if (series === undefined) {
    histogram.zero(labels);
    series = find();
  }
  if (series === undefined || typeof series.sum !== 'number' || typeof series.count !== 'number' || typeof series.bucketValues !== 'object') {
    throw new Error('prom-client internals changed: a histogram series is no longer { labels, bucketValues, sum, count } in hashMap (see pkg/metrics/histogram-tally.ts)');
  }
  return series;
}

function sameLabels(a: Record<string, string | number>, b: Record<string, string | number>): boolean {
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  // prom-client keeps label values as given; compare as the exposition prints them.
  return keys.every((k) => k in a && String(a[k]) === String(b[k]));
}
