import type { Attributes, Histogram as OtelHistogram } from '@opentelemetry/api';
import type { HistogramSpec, Labels, Metrics } from '../metrics/index.ts';

/** One labelled series: plain array increments on the hot path. */
export interface FastSeries {
  observe(value: number): void;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string | number>;
  metricName: string;
}
interface MetricData { name: string; help: string; type: string; aggregator: string; values: MetricValue[] }

interface SeriesState {
  labels: Record<string, string | number>;
  counts: Float64Array; // per bucket, not cumulative; last slot is +Inf
  sum: number;
  count: number;
}

/**
 * A histogram for per-job hot paths. pkg/metrics' histogram goes through
 * prom-client's labelled `observe`, which re-validates and re-hashes the
 * labels and allocates on every call; bound series here are a bucket scan
 * and three array writes. Prometheus reads it through the registry as a
 * regular histogram (same name, help, buckets, default labels); OpenTelemetry
 * gets the same event on an instrument with the same bucket boundaries (a
 * no-op until telemetry starts), as pkg/metrics does.
 */
export class FastHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: number[];
  private readonly series = new Map<string, SeriesState>();
  private readonly otel?: OtelHistogram;
  private readonly spec: HistogramSpec<L>;

  constructor(metrics: Metrics, spec: HistogramSpec<L>) {
    this.spec = spec;
    this.name = spec.name;
    this.help = spec.help;
    this.bounds = [...spec.buckets].sort((a, b) => a - b);
    const scale = spec.otel?.scale ?? 1;
    this.otel = spec.otel
      ? metrics.meter.createHistogram(spec.otel.name, {
          description: spec.otel.description ?? spec.help,
          unit: spec.otel.unit,
          advice: { explicitBucketBoundaries: this.bounds.map((b) => b * scale) },
        })
      : undefined;
    metrics.registry.registerMetric(this as unknown as Parameters<typeof metrics.registry.registerMetric>[0]);
  }

  bind(labels: Labels<L>): FastSeries {
    const key = Object.keys(labels).sort().map((k) => `${k}=${String(labels[k as L])}`).join('\u0000');
    let state = this.series.get(key);
    if (!state) {
      state = { labels: { ...labels }, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, state);
    }
    const s = state;
    const bounds = this.bounds;
    const n = bounds.length;
    const otel = this.otel;
    const scale = this.spec.otel?.scale ?? 1;
    const attrs: Attributes | undefined = otel ? toAttributes(labels, this.spec.otel?.attributes) : undefined;
    return {
      observe(value: number) {
        if (!Number.isFinite(value)) return;
        let b = 0;
        while (b < n && value > bounds[b]) b++;
        s.counts[b]++;
        s.sum += value;
        s.count++;
        otel?.record(value * scale, attrs);
      },
    };
  }

  /**
   * prom-client's exposition read: series labels as `sharedLabels` and `le` as
   * the bucket's own label, so the text is byte-identical to a prom-client
   * histogram's (label order included).
   */
  getForPromString(): MetricData {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let b = 0; b < this.bounds.length; b++) {
        acc += s.counts[b];
        values.push({ value: acc, labels: { le: this.bounds[b] }, sharedLabels: s.labels, metricName: `${this.name}_bucket` });
      }
      values.push({ value: s.count, labels: { le: '+Inf' }, sharedLabels: s.labels, metricName: `${this.name}_bucket` });
      values.push({ value: s.sum, labels: {}, sharedLabels: s.labels, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: {}, sharedLabels: s.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** prom-client's JSON read (`getMetricsAsJSON`, `getSingleMetric().get()`): labels merged. */
  get(): MetricData {
    const data = this.getForPromString();
    data.values = data.values.map(({ value, labels, sharedLabels, metricName }) => ({ value, labels: { ...labels, ...sharedLabels }, metricName }));
    return data;
  }

  /** Drops every series (prom-client's `reset`, used by `registry.resetMetrics()`). */
  reset(): void {
    this.series.clear();
  }
}

function toAttributes(labels: Record<string, string | number>, rename?: Partial<Record<string, string>>): Attributes {
  const attrs: Attributes = {};
  for (const key of Object.keys(labels)) attrs[rename?.[key] ?? key] = labels[key];
  return attrs;
}
