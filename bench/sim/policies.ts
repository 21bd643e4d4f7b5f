import { emptyHistory, recommend, recordScale, resolveSpec, type History, type QueueAutoscalerSpec } from '#pkg/autoscaler/index.ts';
import type { Observation, Policy } from './model.ts';

const BASE = {
  scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' },
  queue: { name: 'sim', connection: { secretRef: { name: 'redis', key: 'url' } } },
};

/** This controller's policy: the real pure recommend() on the spec given, polled at its pollingIntervalSeconds. */
export function controllerPolicy(name: string, rawSpec: Record<string, unknown>): Policy {
  const spec: QueueAutoscalerSpec = resolveSpec({ ...BASE, ...rawSpec });
  let history: History = emptyHistory();
  return {
    name,
    pollSeconds: spec.pollingIntervalSeconds,
    decide(obs: Observation): number {
      const d = recommend({
        spec, currentReplicas: obs.replicas, readyReplicas: obs.readyReplicas, history, now: obs.now,
        readings: { queue: { ok: true, value: { readyBacklog: obs.readyBacklog, oldestReadyAgeSeconds: obs.oldestReadyAgeSeconds, activeJobs: obs.activeJobs } } },
      });
      history = recordScale(d.history, obs.replicas, d.desiredReplicas, obs.now, spec);
      return d.desiredReplicas;
    },
  };
}

export interface KedaStyleOptions {
  /** KEDA redis scaler `listLength` (target per replica). KEDA's default is 5. */
  listLength: number;
  /** KEDA pollingInterval. Default 30 s. */
  pollingIntervalSeconds?: number;
  /** KEDA cooldownPeriod (last step to zero). Default 300 s. */
  cooldownSeconds?: number;
  /** Seconds between HPA syncs. Default 15 s. */
  hpaSyncSeconds?: number;
  maxReplicas: number;
  /** KEDA minReplicaCount. Default 0. */
  minReplicas?: number;
}

/**
 * A KEDA ScaledObject on a Redis list: KEDA polls the list length every
 * `pollingInterval` for activation (0 ↔ 1, to zero only after
 * `cooldownPeriod` of inactivity); between 1 and max, an HPA with default
 * behaviour (its algorithm is the same pure function, with only an
 * AverageValue target on the list length) syncs every 15 s.
 */
export function kedaStylePolicy(name: string, o: KedaStyleOptions): Policy {
  const poll = o.pollingIntervalSeconds ?? 30;
  const cooldown = o.cooldownSeconds ?? 300;
  const sync = o.hpaSyncSeconds ?? 15;
  const hpaSpec = resolveSpec({ ...BASE, minReplicas: 1, maxReplicas: o.maxReplicas, targets: { backlogPerReplica: o.listLength } });
  let history: History = emptyHistory();
  let lastActive = 0;
  let replicas = 0;
  return {
    name,
    pollSeconds: 1,
    decide(obs: Observation): number {
      const t = obs.now / 1000;
      replicas = obs.replicas;
      if (t % poll === 0 && (o.minReplicas ?? 0) === 0) {
        const active = obs.readyBacklog > 0;
        if (active) lastActive = t;
        if (replicas === 0 && active) { history = emptyHistory(); return 1; }
        if (replicas > 0 && !active && t - lastActive >= cooldown) return 0;
      }
      if (replicas < (o.minReplicas ?? 0)) return o.minReplicas ?? 0;
      if (replicas > 0 && t % sync === 0) {
        const d = recommend({
          spec: hpaSpec, currentReplicas: replicas, readyReplicas: obs.readyReplicas, history, now: obs.now,
          readings: { queue: { ok: true, value: { readyBacklog: obs.readyBacklog, oldestReadyAgeSeconds: 0, activeJobs: 1 } } },
        });
        history = recordScale(d.history, replicas, d.desiredReplicas, obs.now, hpaSpec);
        return d.desiredReplicas;
      }
      return replicas;
    },
  };
}
