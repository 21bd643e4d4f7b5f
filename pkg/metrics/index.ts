export {
  Metrics, LATENCY_BUCKETS_SECONDS,
  type Counter, type Histogram, type Gauge, type BoundCounter, type BoundHistogram,
  type InstrumentSpec, type HistogramSpec, type OtelSpec, type MetricsOptions, type Labels,
} from './registry.ts';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.ts';
