import { LATENCY_BUCKETS_SECONDS, type Counter, type Gauge, type Histogram, type Metrics } from '#pkg/metrics/index.ts';

export type ReviewOutcome = 'injected' | 'skipped' | 'refused' | 'error';

/** The webhook's instruments. Labels are bounded: outcomes and reason codes are fixed lists. */
export interface InjectorMetrics {
  reviews: Counter<'outcome' | 'reason'>;
  sidecars: Counter<'sidecar'>;
  duration: Histogram<'outcome'>;
  certificateExpiry: Gauge<never>;
}

export function injectorMetrics(metrics: Metrics): InjectorMetrics {
  return {
    reviews: metrics.counter({
      name: 'pilotfish_injector_reviews_total', labelNames: ['outcome', 'reason'], otel: { name: 'pilotfish.injector.reviews', unit: '{review}' },
      help: 'Pod admission reviews answered, by outcome (injected, skipped, refused, error) and reason code (docs/injection.md).',
    }),
    sidecars: metrics.counter({
      name: 'pilotfish_injector_sidecars_injected_total', labelNames: ['sidecar'], otel: { name: 'pilotfish.injector.sidecars_injected', unit: '{sidecar}' },
      help: 'Sidecars added to pods, by sidecar (cache, llm).',
    }),
    duration: metrics.histogram({
      name: 'pilotfish_injector_review_duration_seconds', labelNames: ['outcome'], buckets: LATENCY_BUCKETS_SECONDS, otel: { name: 'pilotfish.injector.review.duration', unit: 's' },
      help: 'Time from reading an AdmissionReview to answering it, by outcome.',
    }),
    certificateExpiry: metrics.gauge({
      name: 'pilotfish_injector_certificate_expiry_timestamp_seconds', otel: { name: 'pilotfish.injector.certificate.expiry', unit: 's' },
      help: 'Unix time at which the serving certificate in use expires.',
    }),
  };
}
