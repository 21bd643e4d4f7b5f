import { resolveSpec } from './spec.ts';
import type { QueueAutoscalerSpec, Readings } from './types.ts';

/** A valid spec for tests and the simulation, with overrides merged on top of the raw (pre-default) form. */
export function specFor(overrides: Record<string, unknown> = {}): QueueAutoscalerSpec {
  return resolveSpec({
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' },
    queue: { name: 'render', connection: { secretRef: { name: 'redis', key: 'url' } } },
    maxReplicas: 100,
    targets: { backlogPerReplica: 5 },
    ...overrides,
  });
}

export function queueReadings(readyBacklog: number, oldestReadyAgeSeconds = 0, activeJobs = 0): Readings {
  return { queue: { ok: true, value: { readyBacklog, oldestReadyAgeSeconds, activeJobs } } };
}
