/**
 * Autoscaling signals, pure. Inputs come from the elected collector's reading
 * (queue side) and the worker registry (capacity side).
 */
export interface ScalingPolicy {
  /** Ready jobs per slot of concurrency that is acceptable to leave queued. Default 1. */
  targetBacklogPerSlot?: number;
  /** Oldest ready job age (s) past which at least one more worker is asked for. Default 30. */
  maxOldestReadyAgeSeconds?: number;
  /** Concurrency of one worker when none is alive to tell (scale from zero). Default 8. */
  defaultConcurrency?: number;
  /** Default 0. */
  minWorkers?: number;
  /** Default 100. */
  maxWorkers?: number;
}

export interface ScalingInput {
  readyBacklog: number;
  active: number;
  oldestReadyAgeSeconds: number;
  isPaused: boolean;
  /** Live workers (pods/processes) registered for the queue. */
  workers: number;
  /** Sum of their configured concurrency. */
  totalConcurrency: number;
}

export interface ScalingSignals {
  /** `readyBacklog / max(totalConcurrency, 1)`: ready jobs per slot; with zero slots, the backlog itself. */
  backlogPerSlot: number;
  /** `active / totalConcurrency`, 0 with no slots. */
  utilization: number;
  /** Workers this queue wants now (a hint: the controller applies its own stabilisation). */
  desiredWorkers: number;
  /** Why the hint is what it is, e.g. `backlog`, `age`, `paused`, `idle`. */
  reason: 'backlog' | 'age' | 'paused' | 'idle' | 'min' | 'max';
}

export function scalingSignals(input: ScalingInput, policy: ScalingPolicy = {}): ScalingSignals {
  const target = policy.targetBacklogPerSlot ?? 1;
  const maxAge = policy.maxOldestReadyAgeSeconds ?? 30;
  const minWorkers = policy.minWorkers ?? 0;
  const maxWorkers = policy.maxWorkers ?? 100;
  const perWorker = input.workers > 0 && input.totalConcurrency > 0 ? input.totalConcurrency / input.workers : (policy.defaultConcurrency ?? 8);
  const backlogPerSlot = input.readyBacklog / Math.max(input.totalConcurrency, 1);
  const utilization = input.totalConcurrency > 0 ? input.active / input.totalConcurrency : 0;

  let desired: number;
  let reason: ScalingSignals['reason'];
  if (input.isPaused) {
    desired = input.workers;
    reason = 'paused';
  } else {
    // Slots wanted: the ones busy now, plus one per `target` ready jobs.
    const slots = input.active + input.readyBacklog / target;
    desired = Math.max(0, Math.ceil(slots / perWorker - 1e-9));
    reason = desired > 0 ? 'backlog' : 'idle';
    if (input.readyBacklog > 0 && input.oldestReadyAgeSeconds > maxAge && desired <= input.workers) {
      desired = input.workers + 1;
      reason = 'age';
    }
  }
  if (desired < minWorkers) { desired = minWorkers; reason = 'min'; }
  if (desired > maxWorkers) { desired = maxWorkers; reason = 'max'; }
  return { backlogPerSlot, utilization, desiredWorkers: desired, reason };
}
