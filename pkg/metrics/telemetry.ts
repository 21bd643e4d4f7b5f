import { metrics as otelMetrics, trace, type Meter, type Tracer } from '@opentelemetry/api';

// The SDK and its exporters weigh about 40 MB of heap once imported: imported
// only when telemetry is switched on, so a sidecar without OTLP stays small.
// The built binaries leave these packages out of their bundles
// (scripts/build.ts) and load them from node_modules here.
async function loadSdk() {
  const [sdkNode, sdkMetrics, metricExporter, traceExporter, resources] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  return {
    NodeSDK: sdkNode.NodeSDK,
    PeriodicExportingMetricReader: sdkMetrics.PeriodicExportingMetricReader,
    OTLPMetricExporter: metricExporter.OTLPMetricExporter,
    OTLPTraceExporter: traceExporter.OTLPTraceExporter,
    resourceFromAttributes: resources.resourceFromAttributes,
  };
}

export interface Telemetry {
  /** True when an OTLP endpoint was configured and the SDK runs. */
  readonly enabled: boolean;
  readonly meter: Meter;
  readonly tracer: Tracer;
  /** Flushes and stops exporters; safe to call when disabled. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  serviceName: string;
  /** Default `process.env`: reads OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_METRIC_EXPORT_INTERVAL. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the OpenTelemetry SDK (OTLP over HTTP for metrics and traces) only
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise the API's no-op meter and
 * tracer are returned, so instruments cost a function call and nothing more.
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const env = options.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) {
    return {
      enabled: false,
      meter: otelMetrics.getMeter(options.serviceName),
      tracer: trace.getTracer(options.serviceName),
      shutdown: async () => {},
    };
  }
  const base = endpoint.replace(/\/+$/, '');
  const { NodeSDK, PeriodicExportingMetricReader, OTLPMetricExporter, OTLPTraceExporter, resourceFromAttributes } = await loadSdk();
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? options.serviceName }),
    traceExporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 15_000),
      }),
    ],
    instrumentations: [],
  });
  sdk.start();
  return {
    enabled: true,
    meter: otelMetrics.getMeter(options.serviceName),
    tracer: trace.getTracer(options.serviceName),
    shutdown: () => sdk.shutdown(),
  };
}
