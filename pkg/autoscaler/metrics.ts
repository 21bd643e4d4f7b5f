import type { Counter, Gauge, Metrics } from '#pkg/metrics/index.ts';

export type ErrorKind = 'redis' | 'prometheus' | 'kube_api' | 'conflict' | 'invalid_spec' | 'hpa_conflict' | 'secret' | 'target_not_found';

/** The controller's instruments. Labels are bounded: one series per QueueAutoscaler, per metric, per direction or per error kind. */
export interface ControllerMetrics {
  desiredReplicas: Gauge<'namespace' | 'name'>;
  metricValue: Gauge<'namespace' | 'name' | 'metric'>;
  scaleEvents: Counter<'namespace' | 'name' | 'direction'>;
  errors: Counter<'namespace' | 'name' | 'kind'>;
  isLeader: Gauge<never>;
}

export function controllerMetrics(metrics: Metrics): ControllerMetrics {
  return {
    desiredReplicas: metrics.gauge({
      name: 'queue_autoscaler_desired_replicas',
      help: 'Replicas the controller wants for the target of a QueueAutoscaler.',
      labelNames: ['namespace', 'name'],
      otel: { name: 'queue_autoscaler.desired_replicas', unit: '{replica}' },
    }),
    metricValue: metrics.gauge({
      name: 'queue_autoscaler_metric_value',
      help: 'Last metric reading of a QueueAutoscaler: ready_backlog (jobs), oldest_ready_age_seconds, lag_p95_seconds, active_jobs.',
      labelNames: ['namespace', 'name', 'metric'],
      otel: { name: 'queue_autoscaler.metric_value' },
    }),
    scaleEvents: metrics.counter({
      name: 'queue_autoscaler_scale_events_total',
      help: 'Replica changes applied to a target, by direction (up, down).',
      labelNames: ['namespace', 'name', 'direction'],
      otel: { name: 'queue_autoscaler.scale_events', unit: '{event}' },
    }),
    errors: metrics.counter({
      name: 'queue_autoscaler_errors_total',
      help: 'Errors while reconciling a QueueAutoscaler, by kind (redis, prometheus, kube_api, conflict, invalid_spec, hpa_conflict, secret, target_not_found).',
      labelNames: ['namespace', 'name', 'kind'],
      otel: { name: 'queue_autoscaler.errors', unit: '{error}', attributes: { kind: 'error.type' } },
    }),
    isLeader: metrics.gauge({
      name: 'queue_autoscaler_leader',
      help: '1 while this controller replica holds the leader lease and acts, else 0.',
      otel: { name: 'queue_autoscaler.leader' },
    }),
  };
}
