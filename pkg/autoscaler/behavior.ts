import type { ScaleEvent, ScalingRules, TimedRecommendation } from './types.ts';

/**
 * Stabilisation and rate policies, as the HPA applies `behavior`
 * (pkg/controller/podautoscaler/horizontal.go:
 * stabilizeRecommendationWithBehaviors, convertDesiredReplicasWithBehaviorRate).
 * Times are epoch milliseconds. Pure.
 */

/**
 * Clamps the current count between the lowest recommendation within the
 * scale-up window and the highest within the scale-down window (both
 * including `recommendation`, the one just computed): scale-down follows the
 * highest recommendation of the last `scaleDown.stabilizationWindowSeconds`.
 */
export function stabilize(
  current: number,
  recommendation: number,
  history: readonly TimedRecommendation[],
  up: ScalingRules,
  down: ScalingRules,
  now: number,
): number {
  const upCutoff = now - up.stabilizationWindowSeconds * 1000;
  const downCutoff = now - down.stabilizationWindowSeconds * 1000;
  let upRecommendation = recommendation;
  let downRecommendation = recommendation;
  for (const rec of history) {
    if (rec.at > upCutoff) upRecommendation = Math.min(rec.replicas, upRecommendation);
    if (rec.at > downCutoff) downRecommendation = Math.max(rec.replicas, downRecommendation);
  }
  let result = current;
  if (result < upRecommendation) result = upRecommendation;
  if (result > downRecommendation) result = downRecommendation;
  return result;
}

/** Sum of changes recorded within the last `periodSeconds`. */
function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let total = 0;
  for (const e of events) if (e.at > cutoff) total += e.change;
  return total;
}

/**
 * The most replicas the scale-up policies allow now, each policy measured
 * from the replica count at the start of its period.
 */
export function scaleUpLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules, now: number): number {
  return policyLimit('up', current, upEvents, downEvents, rules, now);
}

/**
 * The fewest replicas the scale-down policies allow now. A Percent policy
 * keeps `trunc(start × (1 − p/100))`, as the HPA's int32 conversion does.
 */
export function scaleDownLimit(current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules, now: number): number {
  return policyLimit('down', current, upEvents, downEvents, rules, now);
}

/**
 * The count each policy allows from its period's start, combined by
 * `selectPolicy`: Max takes the policy allowing the most change (the highest
 * count going up, the lowest going down), Min the least.
 */
function policyLimit(direction: 'up' | 'down', current: number, upEvents: readonly ScaleEvent[], downEvents: readonly ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const highest = (direction === 'up') === (rules.selectPolicy !== 'Min');
  let result = highest ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const policy of rules.policies) {
    const start = current - changeInPeriod(policy.periodSeconds, upEvents, now) + changeInPeriod(policy.periodSeconds, downEvents, now);
    const proposed = direction === 'up'
      ? (policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100)))
      : (policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100)));
    result = highest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

export interface RateResult {
  replicas: number;
  limited?: { reason: 'TooManyReplicas' | 'TooFewReplicas' | 'ScaleUpLimit' | 'ScaleDownLimit'; message: string };
}

/** Applies the rate policies and the min/max bounds to a stabilised recommendation. */
export function limitRate(args: {
  current: number;
  desired: number;
  min: number;
  max: number;
  up: ScalingRules;
  down: ScalingRules;
  upEvents: readonly ScaleEvent[];
  downEvents: readonly ScaleEvent[];
  now: number;
}): RateResult {
  const { current, desired, min, max, now } = args;
  if (desired > current) {
    const limit = Math.max(scaleUpLimit(current, args.upEvents, args.downEvents, args.up, now), current);
    if (max > limit) {
      if (desired > limit) return { replicas: limit, limited: { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' } };
    } else if (desired > max) {
      return { replicas: max, limited: { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' } };
    }
  } else if (desired < current) {
    const limit = Math.min(scaleDownLimit(current, args.upEvents, args.downEvents, args.down, now), current);
    if (min < limit) {
      if (desired < limit) return { replicas: limit, limited: { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' } };
    } else if (desired < min) {
      return { replicas: min, limited: { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' } };
    }
  }
  return { replicas: desired };
}
