import type { Decision } from './types.ts';

type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: 'Ready' | 'Active' | 'ScalingLimited' | 'Fallback';
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

interface LastMetrics {
  readyBacklog?: number;
  oldestReadyAgeSeconds?: number;
  lagP95Seconds?: number;
  activeJobs?: number;
  readTime: string;
}

export interface QueueAutoscalerStatus {
  observedGeneration?: number;
  currentReplicas?: number;
  desiredReplicas?: number;
  lastScaleTime?: string;
  lastActiveTime?: string;
  lastMetrics?: LastMetrics;
  conditions: Condition[];
}

/** Why the controller cannot act on an object at all (before any decision). */
export interface Blocked { reason: 'InvalidSpec' | 'TargetNotFound' | 'ConflictingHPA' | 'SecretUnavailable' | 'ScaleFailed' | 'ApiError'; message: string }

/**
 * The conditions for one reconcile, keeping `lastTransitionTime` from the
 * previous status when a condition's status did not change (the Kubernetes
 * convention). Pure.
 */
export function buildConditions(args: {
  previous: readonly Condition[];
  decision?: Decision;
  blocked?: Blocked;
  generation?: number;
  now: number;
}): Condition[] {
  const { decision, blocked } = args;
  const time = new Date(args.now).toISOString();
  const make = (type: Condition['type'], status: ConditionStatus, reason: string, message: string): Condition => {
    const prev = args.previous.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status ? prev.lastTransitionTime : time;
    return { type, status, reason, message, lastTransitionTime, observedGeneration: args.generation };
  };
  if (blocked || !decision) {
    const b = blocked ?? { reason: 'ApiError', message: 'not reconciled yet' };
    return [
      make('Ready', 'False', b.reason, b.message),
      make('Active', 'Unknown', b.reason, 'the queue was not evaluated'),
      make('ScalingLimited', 'False', b.reason, 'no scaling decision was made'),
      make('Fallback', 'False', b.reason, 'no scaling decision was made'),
    ];
  }
  const ready = decision.reason === 'MetricsUnavailable'
    ? make('Ready', 'False', 'MetricsUnavailable', decision.message)
    : make('Ready', 'True', decision.reason === 'Paused' ? 'Paused' : 'Reconciled', decision.message);
  const active = decision.reason === 'MetricsUnavailable' || decision.fallback
    ? make('Active', 'Unknown', 'MetricsUnavailable', 'the queue could not be read')
    : decision.active
      ? make('Active', 'True', 'QueueActive', 'the ready backlog is above activation or jobs are running')
      : make('Active', 'False', 'QueueIdle', 'the ready backlog is at or below activation and no job is running');
  const limited = decision.limited
    ? make('ScalingLimited', 'True', decision.limited.reason, decision.limited.message)
    : make('ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range');
  const fallback = decision.fallback
    ? make('Fallback', 'True', 'FallbackActive', decision.message)
    : make('Fallback', 'False', 'MetricsHealthy', 'metrics are being read');
  return [ready, active, limited, fallback];
}
