import { limitRate, stabilize } from './behavior.ts';
import { averageValueReplicas, valueReplicas, type Tolerance } from './replicas.ts';
import type { Decision, History, MetricRecommendation, QueueAutoscalerSpec, RecommendInput, Readings } from './types.ts';

/**
 * The controller's decision for one poll: a pure function of the spec, the
 * current and ready replica counts, this poll's readings, what was
 * remembered from earlier polls, and the time. It reproduces the HPA
 * (per-metric replicas with tolerance, the largest across metrics,
 * stabilisation windows, rate policies, min/max) and adds what the HPA does
 * not do: activation and scale to/from zero with a cooldown, fallback after
 * repeated read failures, and pause.
 */
export function recommend(input: RecommendInput): Decision {
  const { spec, currentReplicas: current, readings, now } = input;
  const ready = input.readyReplicas ?? current;
  const failed = failures(spec, readings);
  const consecutiveFailures = failed.length > 0 ? input.history.consecutiveFailures + 1 : 0;
  const queue = readings.queue.ok ? readings.queue.value : undefined;
  // An unreadable queue counts as active: never scale to zero on an error.
  const active = queue ? queue.readyBacklog > spec.activation.backlog || queue.activeJobs > 0 : true;
  const lastActiveAt = active ? now : (input.history.lastActiveAt ?? now);
  let history: History = { ...input.history, consecutiveFailures, lastActiveAt };
  const base = { metrics: [] as MetricRecommendation[], active, fallback: false };
  const hold = (reason: Decision['reason'], message: string): Decision => ({ ...base, desiredReplicas: current, reason, message, history });

  if (spec.paused) return hold('Paused', 'autoscaling is paused; the replica count is left as it is');

  if (spec.fallback && consecutiveFailures >= spec.fallback.failureThreshold) {
    const replicas = clamp(spec.fallback.replicas, Math.max(spec.minReplicas, 1), spec.maxReplicas);
    // Recorded like a metric recommendation (as KEDA's fallback feeds the HPA), so
    // recovery scales down through the stabilisation window, not at once.
    history = record(history, replicas, now, spec);
    return {
      ...base, fallback: true, desiredReplicas: replicas, reason: 'Fallback', history,
      message: `metrics failed ${consecutiveFailures} times in a row (${failed.join('; ')}); running the fallback of ${replicas} replicas`,
    };
  }

  const metrics = metricRecommendations(spec, current, ready, readings);
  base.metrics = metrics;
  if (metrics.length === 0) return hold('MetricsUnavailable', `no metric could be read (${failed.join('; ')}); keeping ${current} replicas`);

  const idleMs = now - lastActiveAt;
  if (spec.minReplicas === 0 && !active) {
    if (current === 0) return hold('ScaleToZero', `the queue is idle (backlog at or below ${spec.activation.backlog}, no active jobs); staying at zero`);
    if (idleMs >= spec.cooldownSeconds * 1000) {
      history = record(history, 0, now, spec);
      return { ...base, desiredReplicas: 0, reason: 'ScaleToZero', history, message: `the queue has been idle for ${Math.round(idleMs / 1000)} s (cooldown ${spec.cooldownSeconds} s); scaling to zero` };
    }
  }

  if (current === 0 && spec.minReplicas > 0) return hold('ScalingDisabled', 'the target was scaled to zero by hand and minReplicas is above zero; autoscaling resumes once it has replicas (as the HPA does)');
  if (current > spec.maxReplicas) return { ...hold('AboveMax', `current replicas above maxReplicas; scaling to ${spec.maxReplicas}`), desiredReplicas: spec.maxReplicas };
  const floor = Math.max(spec.minReplicas, 1);
  if (current > 0 && current < floor) return { ...hold('BelowMin', `current replicas below minReplicas; scaling to ${floor}`), desiredReplicas: floor };

  // Like the HPA's maybeInitScaleDownStabilizationWindow: a fresh start counts
  // the current size as a recent recommendation, so a restarted controller
  // does not scale down before a window of observations.
  if (history.recommendations.length === 0) history = { ...history, recommendations: [{ at: now, replicas: current }] };
  let recommendation = Math.max(...metrics.map((m) => m.replicas));
  // With a metric missing, act on the others only to scale up (as the HPA does).
  if (failed.length > 0 && recommendation < current) recommendation = current;
  const stabilized = stabilize(current, recommendation, history.recommendations, spec.behavior.scaleUp, spec.behavior.scaleDown, now);
  history = record(history, recommendation, now, spec);
  const limited = limitRate({
    current, desired: stabilized, min: floor, max: spec.maxReplicas,
    up: spec.behavior.scaleUp, down: spec.behavior.scaleDown,
    upEvents: history.scaleUpEvents, downEvents: history.scaleDownEvents, now,
  });
  let desired = limited.replicas;
  if (current === 0) {
    // Activation: 0 → at least 1 at once, whatever the rate policies allow from 0.
    desired = Math.max(desired, 1);
    return { ...base, desiredReplicas: desired, reason: 'Activated', history, limited: limited.limited, message: `the queue became active (backlog above ${spec.activation.backlog} or jobs running); scaling from zero to ${desired}` };
  }
  const summary = metrics.map((m) => `${m.metric} ${round(m.value)}/${m.target} → ${m.replicas}`).join(', ');
  return {
    ...base, desiredReplicas: desired, reason: 'Recommended', history, limited: limited.limited,
    message: desired === current ? `no change (${summary})` : `scaling from ${current} to ${desired} (${summary})`,
  };
}

/** Records a scale that was applied, for the rate policies of later polls. */
export function recordScale(history: History, from: number, to: number, now: number, spec: QueueAutoscalerSpec): History {
  if (to === from) return history;
  const keep = maxPeriodMs(spec);
  const prune = (events: History['scaleUpEvents']) => events.filter((e) => e.at > now - keep);
  return to > from
    ? { ...history, scaleUpEvents: [...prune(history.scaleUpEvents), { at: now, change: to - from }], scaleDownEvents: prune(history.scaleDownEvents) }
    : { ...history, scaleDownEvents: [...prune(history.scaleDownEvents), { at: now, change: from - to }], scaleUpEvents: prune(history.scaleUpEvents) };
}

function metricRecommendations(spec: QueueAutoscalerSpec, current: number, ready: number, readings: Readings): MetricRecommendation[] {
  const out: MetricRecommendation[] = [];
  const tol: Tolerance = { up: spec.behavior.scaleUp.tolerance, down: spec.behavior.scaleDown.tolerance };
  const { targets } = spec;
  if (readings.queue.ok) {
    const q = readings.queue.value;
    if (targets.backlogPerReplica !== undefined) {
      out.push({ metric: 'backlogPerReplica', value: q.readyBacklog, target: targets.backlogPerReplica, replicas: averageValueReplicas(current, q.readyBacklog, targets.backlogPerReplica, tol) });
    }
    if (targets.oldestReadyAgeSeconds !== undefined) {
      out.push({ metric: 'oldestReadyAgeSeconds', value: q.oldestReadyAgeSeconds, target: targets.oldestReadyAgeSeconds, replicas: valueReplicas(current, ready, q.oldestReadyAgeSeconds, targets.oldestReadyAgeSeconds, tol) });
    }
  }
  if (targets.lagP95Seconds !== undefined && readings.lagP95?.ok) {
    const v = readings.lagP95.value;
    out.push({ metric: 'lagP95Seconds', value: v, target: targets.lagP95Seconds, replicas: valueReplicas(current, ready, v, targets.lagP95Seconds, tol) });
  }
  return out;
}

function failures(spec: QueueAutoscalerSpec, readings: Readings): string[] {
  const out: string[] = [];
  if (!readings.queue.ok) out.push(`queue: ${readings.queue.error}`);
  if (spec.targets.lagP95Seconds !== undefined) {
    if (!readings.lagP95) out.push('prometheus: not read');
    else if (!readings.lagP95.ok) out.push(`prometheus: ${readings.lagP95.error}`);
  }
  return out;
}

function record(history: History, replicas: number, now: number, spec: QueueAutoscalerSpec): History {
  const keep = Math.max(spec.behavior.scaleUp.stabilizationWindowSeconds, spec.behavior.scaleDown.stabilizationWindowSeconds) * 1000;
  const recs = history.recommendations.filter((r) => r.at > now - keep);
  recs.push({ at: now, replicas });
  return { ...history, recommendations: recs };
}

function maxPeriodMs(spec: QueueAutoscalerSpec): number {
  const periods = [...spec.behavior.scaleUp.policies, ...spec.behavior.scaleDown.policies].map((p) => p.periodSeconds);
  return Math.max(0, ...periods) * 1000;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), hi);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
