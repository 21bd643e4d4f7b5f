/**
 * The QueueAutoscaler resource (`autoscaling.pilotfish.dev/v1alpha1`) as the
 * controller sees it once defaults are applied (see defaults.ts), plus the
 * inputs and outputs of the pure recommendation function.
 */

export const GROUP = 'autoscaling.pilotfish.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'QueueAutoscaler';
export const PLURAL = 'queueautoscalers';
export const PAUSED_ANNOTATION = 'autoscaling.pilotfish.dev/paused';

interface ScaleTargetRef {
  apiVersion: string;
  kind: string;
  name: string;
}

interface SecretKeyRef {
  name: string;
  key: string;
}

interface QueueRef {
  /** BullMQ queue name. */
  name: string;
  /** BullMQ key prefix. Default `bull`. */
  prefix: string;
  /** A Secret key holding a Redis URL (`redis://…` or `rediss://…`). */
  connection: { secretRef: SecretKeyRef };
}

export interface Targets {
  /** Ready backlog per replica (HPA AverageValue semantics). */
  backlogPerReplica?: number;
  /** Age of the oldest ready job, seconds (HPA Value semantics). */
  oldestReadyAgeSeconds?: number;
  /** p95 of job lag read from Prometheus, seconds (HPA Value semantics). */
  lagP95Seconds?: number;
}

type PolicyType = 'Pods' | 'Percent';
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface ScalingPolicy {
  type: PolicyType;
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
  /** Ratio band around 1 inside which no change is made. Default 0.1. */
  tolerance: number;
}

interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

export interface PrometheusSource {
  url: string;
  /** PromQL returning one sample in seconds. Default: p95 of `bullmq_queue_lag_seconds` for the queue over 5 m. */
  query: string;
}

export interface QueueAutoscalerSpec {
  scaleTargetRef: ScaleTargetRef;
  queue: QueueRef;
  /** Default 1; 0 enables scale to zero. */
  minReplicas: number;
  maxReplicas: number;
  targets: Targets;
  /** Backlog strictly above which the workload is active. Default 0. */
  activation: { backlog: number };
  /** Seconds of inactivity before the last step to zero. Default 300. */
  cooldownSeconds: number;
  /** Default 15. */
  pollingIntervalSeconds: number;
  behavior: Behavior;
  /** Replicas to run once `failureThreshold` consecutive reads have failed. Absent: hold the current count. */
  fallback?: { failureThreshold: number; replicas: number };
  prometheus?: PrometheusSource;
  paused: boolean;
}

/** Queue-side readings at one poll. */
export interface QueueReading {
  readyBacklog: number;
  oldestReadyAgeSeconds: number;
  activeJobs: number;
}

export type Reading<T> = { ok: true; value: T } | { ok: false; error: string };

export interface Readings {
  queue: Reading<QueueReading>;
  /** Present when a `lagP95Seconds` target is set. */
  lagP95?: Reading<number>;
}

export interface TimedRecommendation { at: number; replicas: number }
export interface ScaleEvent { at: number; change: number }

/** What the controller remembers per object between polls (the HPA keeps the same in memory). */
export interface History {
  recommendations: TimedRecommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
  /** Last time (ms) the queue was seen active; starts at the first poll. */
  lastActiveAt?: number;
  consecutiveFailures: number;
}

export function emptyHistory(): History {
  return { recommendations: [], scaleUpEvents: [], scaleDownEvents: [], consecutiveFailures: 0 };
}

export interface RecommendInput {
  spec: QueueAutoscalerSpec;
  /** `spec.replicas` of the target's scale subresource. */
  currentReplicas: number;
  /** Ready pods, used by Value targets like the HPA does. Default: currentReplicas. */
  readyReplicas?: number;
  readings: Readings;
  history: History;
  /** Epoch milliseconds. */
  now: number;
}

export interface MetricRecommendation {
  metric: 'backlogPerReplica' | 'oldestReadyAgeSeconds' | 'lagP95Seconds';
  value: number;
  target: number;
  replicas: number;
}

type DecisionReason =
  | 'Paused' | 'Fallback' | 'MetricsUnavailable' | 'AboveMax' | 'BelowMin'
  | 'ScaleToZero' | 'Activated' | 'Recommended' | 'ScalingDisabled';

export interface Decision {
  desiredReplicas: number;
  reason: DecisionReason;
  message: string;
  /** Set when a bound or a rate policy changed the stabilised recommendation. */
  limited?: { reason: 'TooManyReplicas' | 'TooFewReplicas' | 'ScaleUpLimit' | 'ScaleDownLimit'; message: string };
  metrics: MetricRecommendation[];
  active: boolean;
  fallback: boolean;
  /** History with this poll recorded (not yet the scale event: see recordScale). */
  history: History;
}
