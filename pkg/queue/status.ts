/**
 * The health status of a queue, from documented thresholds (pure).
 * `unhealthy` wins over `degraded`; every reason that applies is listed.
 */
export type QueueStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface StatusThresholds {
  /** Oldest ready job age (s) that makes a queue degraded. Default 60. */
  degradedOldestAgeSeconds?: number;
  /** … unhealthy. Default 300. */
  unhealthyOldestAgeSeconds?: number;
  /** Attempt error ratio over 5 min that makes a queue degraded. Default 0.05. */
  degradedErrorRatio?: number;
  /** … unhealthy. Default 0.25. */
  unhealthyErrorRatio?: number;
  /** Finished attempts in 5 min below which the error ratio is not judged. Default 20. */
  minAttemptsForRatio?: number;
  /** Lag p95 over 5 min (s) that makes a queue degraded. Default 30. */
  degradedLagP95Seconds?: number;
}

export interface StatusInput {
  /** false when the queue state could not be read (Redis down). */
  signalsAvailable: boolean;
  oldestReadyAgeSeconds: number;
  readyBacklog: number;
  isPaused: boolean;
  errorRatio5m: number | null;
  attempts5m: number;
  lagP95Seconds5m: number | null;
  totalConcurrency: number;
}

export function assessStatus(input: StatusInput, t: StatusThresholds = {}): { status: QueueStatus; reasons: string[] } {
  const unhealthy: string[] = [];
  const degraded: string[] = [];
  if (!input.signalsAvailable) unhealthy.push('queue state unreadable (Redis unavailable)');
  const age = input.oldestReadyAgeSeconds;
  if (!input.isPaused) {
    if (age >= (t.unhealthyOldestAgeSeconds ?? 300)) unhealthy.push(`oldest ready job waited ${age.toFixed(1)} s`);
    else if (age >= (t.degradedOldestAgeSeconds ?? 60)) degraded.push(`oldest ready job waited ${age.toFixed(1)} s`);
    if (input.readyBacklog > 0 && input.totalConcurrency === 0) degraded.push('ready jobs but no live worker');
  }
  if (input.errorRatio5m !== null && input.attempts5m >= (t.minAttemptsForRatio ?? 20)) {
    const pct = `${(input.errorRatio5m * 100).toFixed(1)}%`;
    if (input.errorRatio5m >= (t.unhealthyErrorRatio ?? 0.25)) unhealthy.push(`error ratio ${pct} over 5 min`);
    else if (input.errorRatio5m >= (t.degradedErrorRatio ?? 0.05)) degraded.push(`error ratio ${pct} over 5 min`);
  }
  if (input.lagP95Seconds5m !== null && input.lagP95Seconds5m >= (t.degradedLagP95Seconds ?? 30)) degraded.push(`lag p95 ${input.lagP95Seconds5m.toFixed(1)} s over 5 min`);
  if (unhealthy.length > 0) return { status: 'unhealthy', reasons: [...unhealthy, ...degraded] };
  if (degraded.length > 0) return { status: 'degraded', reasons: degraded };
  return { status: 'healthy', reasons: [] };
}
