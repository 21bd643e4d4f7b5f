import type { ScalingRules } from './types.ts';

/** Defaults of the resource, the HPA's where the HPA has one. */
export const DEFAULTS = {
  prefix: 'bull',
  minReplicas: 1,
  activationBacklog: 0,
  cooldownSeconds: 300,
  pollingIntervalSeconds: 15,
  tolerance: 0.1,
  lagQuery: 'histogram_quantile(0.95, sum by (le) (rate(bullmq_queue_lag_seconds_bucket{queue="$queue"}[5m])))',
} as const;

/** HPA scaleUp default: no window; +100% or +4 pods per 15 s, whichever is more. */
export function defaultScaleUp(): ScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    tolerance: DEFAULTS.tolerance,
    policies: [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ],
  };
}

/** HPA scaleDown default: 300 s window; −100% per 15 s. */
export function defaultScaleDown(): ScalingRules {
  return {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    tolerance: DEFAULTS.tolerance,
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}
