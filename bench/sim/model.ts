import { logNormal, seededRandom } from './rng.ts';
import type { Trace } from './trace.ts';

export interface Observation {
  /** Epoch-like milliseconds of simulated time. */
  now: number;
  readyBacklog: number;
  oldestReadyAgeSeconds: number;
  activeJobs: number;
  replicas: number;
  readyReplicas: number;
}

/** An autoscaling policy: polled every `pollSeconds`, answers a desired replica count. */
export interface Policy {
  name: string;
  pollSeconds: number;
  decide(obs: Observation): number;
}

export interface ModelOptions {
  seed: number;
  /** Mean job service time. Default 2 s. */
  serviceMeanSeconds?: number;
  /** Coefficient of variation of service time (log-normal). Default 0.5. */
  serviceCv?: number;
  /** Jobs one pod runs at once. Default 4. */
  concurrency?: number;
  /** From scale-up to the pod taking jobs. Default 20 s. */
  startupSeconds?: number;
  /** Oldest-ready-age objective. Default 30 s. */
  sloSeconds?: number;
  /** Pods running (ready) at the start. Default 0. */
  initialReplicas?: number;
}

export interface SimResult {
  policy: string;
  seconds: number;
  jobs: number;
  /** Share of seconds in which the oldest ready job was older than the SLO. */
  sloViolationShare: number;
  /** Sum over time of pods that exist (starting or running). */
  replicaSeconds: number;
  maxReplicas: number;
  scaleChanges: number;
  maxOldestAgeSeconds: number;
}

interface Pod { readyAt: number; slots: number[] }

/**
 * A discrete-time (1 s) model of one BullMQ queue and its worker pods: FIFO
 * jobs arriving per the trace, pods that take jobs only after a start-up
 * delay, `concurrency` slots per pod, log-normal service times, and a policy
 * that sets the replica count every `pollSeconds`. Deterministic for a seed.
 */
export function simulate(trace: Trace, policy: Policy, options: ModelOptions): SimResult {
  const rand = seededRandom(options.seed ^ 0x9e3779b9);
  const mean = options.serviceMeanSeconds ?? 2;
  const cv = options.serviceCv ?? 0.5;
  const concurrency = options.concurrency ?? 4;
  const startup = options.startupSeconds ?? 20;
  const slo = options.sloSeconds ?? 30;
  const n = trace.arrivals.length;
  const queue: number[] = [];
  let head = 0;
  const pods: Pod[] = Array.from({ length: options.initialReplicas ?? 0 }, () => ({ readyAt: 0, slots: new Array<number>(options.concurrency ?? 4).fill(0) }));
  let violations = 0;
  let replicaSeconds = 0;
  let maxReplicas = 0;
  let scaleChanges = 0;
  let maxAge = 0;
  let jobs = 0;

  for (let t = 0; t < n; t++) {
    const k = trace.arrivals[t];
    for (let i = 0; i < k; i++) queue.push(t + (i + 0.5) / k);
    jobs += k;

    if (t % policy.pollSeconds === 0) {
      const busy = pods.reduce((s, p) => s + p.slots.filter((b) => b > t).length, 0);
      const obs: Observation = {
        now: t * 1000,
        readyBacklog: queue.length - head,
        oldestReadyAgeSeconds: head < queue.length ? Math.max(0, t - queue[head]) : 0,
        activeJobs: busy,
        replicas: pods.length,
        readyReplicas: pods.filter((p) => p.readyAt <= t).length,
      };
      const desired = Math.max(0, Math.round(policy.decide(obs)));
      if (desired !== pods.length) scaleChanges += 1;
      while (pods.length < desired) pods.push({ readyAt: t + startup, slots: new Array<number>(concurrency).fill(0) });
      if (pods.length > desired) {
        // Remove pods that are still starting first, then the least busy (in-flight jobs finish; the pod no longer counts).
        pods.sort((a, b) => b.readyAt - a.readyAt || a.slots.filter((s) => s > t).length - b.slots.filter((s) => s > t).length);
        pods.splice(0, pods.length - desired);
      }
    }

    for (const pod of pods) {
      if (pod.readyAt >= t + 1) continue;
      for (let s = 0; s < pod.slots.length; s++) {
        while (head < queue.length) {
          const start = Math.max(pod.slots[s], queue[head], pod.readyAt, t);
          if (start >= t + 1) break;
          pod.slots[s] = start + logNormal(rand, mean, cv);
          head += 1;
        }
      }
    }
    if (head > 50_000) { queue.splice(0, head); head = 0; }

    const age = head < queue.length ? t + 1 - queue[head] : 0;
    if (age > slo) violations += 1;
    if (age > maxAge) maxAge = age;
    replicaSeconds += pods.length;
    if (pods.length > maxReplicas) maxReplicas = pods.length;
  }
  return { policy: policy.name, seconds: n, jobs, sloViolationShare: violations / n, replicaSeconds, maxReplicas, scaleChanges, maxOldestAgeSeconds: maxAge };
}
