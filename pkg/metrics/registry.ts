import client from 'prom-client';
import { metrics as otelMetrics, type Attributes, type Meter } from '@opentelemetry/api';
import { collectProcessMetrics } from './default-metrics.ts';
import { HistogramTally } from './histogram-tally.ts';

/**
 * One place that defines instruments. Each instrument records an event once
 * and feeds both the Prometheus registry (served on /metrics) and an
 * OpenTelemetry meter (exported over OTLP when configured). Prometheus names
 * are given explicitly, because the OTel Prometheus path and the Collector
 * disagree about unit suffixes.
 */
export interface OtelSpec<L extends string> {
  /** OpenTelemetry instrument name, e.g. `cache.requests`. */
  name: string;
  description?: string;
  /** UCUM unit, e.g. `ms`, `s`, `{request}`. */
  unit?: string;
  /** Multiplies recorded values before they reach OTel (e.g. 1000 for seconds → ms). Default 1. */
  scale?: number;
  /** Renames labels to OTel attribute keys; labels not named keep their name. */
  attributes?: Partial<Record<L, string>>;
}

export interface InstrumentSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  otel?: OtelSpec<L>;
}

export interface HistogramSpec<L extends string> extends InstrumentSpec<L> {
  /** Bucket upper bounds in the Prometheus unit. Identical in every pod, so quantiles aggregate. */
  buckets: number[];
}

export type Labels<L extends string> = Record<L, string | number>;

export interface BoundCounter { inc(n?: number): void }
export interface BoundHistogram { observe(value: number): void }

export interface Counter<L extends string> {
  inc(labels: Labels<L>, n?: number): void;
  /** Pre-resolves the label set: the cheap path for hot loops. */
  bind(labels: Labels<L>): BoundCounter;
}
export interface Histogram<L extends string> {
  observe(labels: Labels<L>, value: number): void;
  bind(labels: Labels<L>): BoundHistogram;
}
export interface Gauge<L extends string> {
  set(labels: Labels<L>, value: number): void;
  inc(labels: Labels<L>, n?: number): void;
  dec(labels: Labels<L>, n?: number): void;
  /** Removes one series, e.g. when a queue is no longer watched. */
  remove(labels: Labels<L>): void;
}

export interface MetricsOptions {
  /** Default: the global OTel meter provider's meter (a no-op until telemetry starts). */
  meter?: Meter;
  /** Collect Node's process metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
  /**
   * With the default metrics, `nodejs_gc_duration_seconds` too. Default true. Node builds a
   * performance entry per collection for it, which a process that collects hundreds of times a
   * second pays for on its hot path (default-metrics.ts).
   */
  gcMetrics?: boolean;
  /** Labels added to every Prometheus series, e.g. `{ component: 'cache-sidecar' }`. */
  defaultLabels?: Record<string, string>;
}

interface CounterSlot { child: client.Counter.Internal; pending: number }

export class Metrics {
  readonly registry: client.Registry;
  readonly meter: Meter;

  constructor(options: MetricsOptions = {}) {
    this.registry = new client.Registry();
    this.meter = options.meter ?? otelMetrics.getMeter('pilotfish');
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.defaultMetrics ?? true) collectProcessMetrics(this.registry, { gc: options.gcMetrics ?? true });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  counter<L extends string = never>(spec: InstrumentSpec<L>): Counter<L> {
    // A bound counter adds to a plain number; prom-client hears the sum when it is read (its public `collect`
    // hook runs on every scrape and every `get()`). prom-client's own bound `inc` hashes the label set and
    // allocates on every call, which a per-request hot path (the cache sidecar's GET) pays for in CPU and GC.
    const slots = new Map<string, CounterSlot>();
    const flush = () => {
      for (const slot of slots.values()) {
        if (slot.pending === 0) continue;
        slot.child.inc(slot.pending);
        slot.pending = 0;
      }
    };
    const prom = new client.Counter({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [this.registry], collect: flush });
    const otel = spec.otel ? this.meter.createCounter(spec.otel.name, { description: spec.otel.description ?? spec.help, unit: spec.otel.unit }) : undefined;
    const scale = spec.otel?.scale ?? 1;
    const bind = (labels: Labels<L>): BoundCounter => {
      // One slot per label set, however often it is bound.
      const key = seriesKey(labels);
      let slot = slots.get(key);
      if (slot === undefined) {
        slot = { child: prom.labels(labels as client.LabelValues<L>), pending: 0 };
        slots.set(key, slot);
      }
      const bound = slot;
      const attrs = otel ? toAttributes(labels, spec.otel!.attributes) : undefined;
      return {
        inc: (n = 1) => {
          // What prom-client would refuse at once must not wait to fail at the next scrape.
          if (!(n >= 0 && n < Infinity)) throw new TypeError(`counter ${spec.name}: cannot add ${n}`);
          bound.pending += n;
          otel?.add(n * scale, attrs);
        },
      };
    };
    return {
      inc: (labels, n = 1) => {
        prom.inc(labels as client.LabelValues<L>, n);
        otel?.add(n * scale, toAttributes(labels, spec.otel?.attributes));
      },
      bind,
    };
  }

  histogram<L extends string = never>(spec: HistogramSpec<L>): Histogram<L> {
    // A bound histogram counts into plain numbers; prom-client hears them when it is read, as the
    // bound counter does (histogram-tally.ts: this one reaches into prom-client's series record).
    const tallies = new Map<string, HistogramTally>();
    const flush = () => {
      for (const tally of tallies.values()) tally.flush(prom);
    };
    const buckets = spec.buckets;
    const prom: client.Histogram<L> = new client.Histogram({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], buckets, registers: [this.registry], collect: flush });
    const scale = spec.otel?.scale ?? 1;
    const otel = spec.otel
      ? this.meter.createHistogram(spec.otel.name, {
          description: spec.otel.description ?? spec.help,
          unit: spec.otel.unit,
          advice: { explicitBucketBoundaries: spec.buckets.map((b) => b * scale) },
        })
      : undefined;
    return {
      observe: (labels, value) => {
        prom.observe(labels as client.LabelValues<L>, value);
        otel?.record(value * scale, toAttributes(labels, spec.otel?.attributes));
      },
      bind: (labels) => {
        // prom-client checks the label names here, once, as it would on every observe.
        prom.labels(labels as client.LabelValues<L>);
        const key = seriesKey(labels);
        let tally = tallies.get(key);
        if (tally === undefined) {
          tally = new HistogramTally(buckets, { ...labels });
          tallies.set(key, tally);
        }
        const bound = tally;
        const attrs = otel ? toAttributes(labels, spec.otel!.attributes) : undefined;
        return { observe: (value) => { bound.observe(value); otel?.record(value * scale, attrs); } };
      },
    };
  }

  gauge<L extends string = never>(spec: InstrumentSpec<L>): Gauge<L> {
    const prom = new client.Gauge({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [this.registry] });
    // OTel gauges are observed: keep the last value per series and report it on collection.
    const last = new Map<string, { attrs: Attributes; value: number }>();
    const scale = spec.otel?.scale ?? 1;
    if (spec.otel) {
      const observable = this.meter.createObservableGauge(spec.otel.name, { description: spec.otel.description ?? spec.help, unit: spec.otel.unit });
      observable.addCallback((result) => {
        for (const { attrs, value } of last.values()) result.observe(value * scale, attrs);
      });
    }
    const remember = (labels: Labels<L>, update: (prev: number) => number) => {
      if (!spec.otel) return;
      const key = seriesKey(labels);
      const prev = last.get(key);
      last.set(key, { attrs: prev?.attrs ?? toAttributes(labels, spec.otel.attributes), value: update(prev?.value ?? 0) });
    };
    return {
      set: (labels, value) => { prom.set(labels as client.LabelValues<L>, value); remember(labels, () => value); },
      inc: (labels, n = 1) => { prom.inc(labels as client.LabelValues<L>, n); remember(labels, (p) => p + n); },
      dec: (labels, n = 1) => { prom.dec(labels as client.LabelValues<L>, n); remember(labels, (p) => p - n); },
      remove: (labels) => { prom.remove(labels as client.LabelValues<L>); last.delete(seriesKey(labels)); },
    };
  }
}

function seriesKey(labels: Record<string, unknown>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${String(labels[k])}`).join('\u0000');
}

function toAttributes<L extends string>(labels: Labels<L>, rename?: Partial<Record<L, string>>): Attributes {
  const attrs: Attributes = {};
  for (const key of Object.keys(labels) as L[]) attrs[rename?.[key] ?? key] = labels[key];
  return attrs;
}

/** Bucket bounds in seconds suited to sub-millisecond to multi-second request latencies. */
export const LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
