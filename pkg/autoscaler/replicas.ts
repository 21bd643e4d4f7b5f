/**
 * Per-metric replica counts, as the HPA's replica calculator computes them
 * for external metrics (pkg/controller/podautoscaler/replica_calculator.go).
 * Pure.
 */

export interface Tolerance {
  /** Allowed ratio above 1 before scaling up. */
  up: number;
  /** Allowed ratio below 1 before scaling down. */
  down: number;
}

/** `1 − down ≤ ratio ≤ 1 + up`, bounds inclusive, like the HPA's `isWithin`. */
export function withinTolerance(ratio: number, tolerance: Tolerance): boolean {
  return 1 - tolerance.down <= ratio && ratio <= 1 + tolerance.up;
}

/**
 * Value target (`GetExternalMetricReplicas`): `ceil(ready × value / target)`;
 * from zero replicas `ceil(value / target)`. Inside the tolerance: unchanged.
 */
export function valueReplicas(current: number, ready: number, value: number, target: number, tolerance: Tolerance): number {
  const ratio = value / target;
  if (current === 0) return Math.ceil(ratio);
  if (withinTolerance(ratio, tolerance)) return current;
  return Math.ceil(ratio * ready);
}

/**
 * AverageValue target (`GetExternalPerPodMetricReplicas`): the ratio is
 * `total / (target × current)`; outside the tolerance the answer is
 * `ceil(total / target)`, independent of the current count.
 */
export function averageValueReplicas(current: number, total: number, targetPerReplica: number, tolerance: Tolerance): number {
  if (current > 0) {
    const ratio = total / (targetPerReplica * current);
    if (withinTolerance(ratio, tolerance)) return current;
  }
  return Math.ceil(total / targetPerReplica);
}
