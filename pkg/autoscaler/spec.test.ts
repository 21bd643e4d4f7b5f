import { describe, expect, it } from 'vitest';
import { AutoscalerError } from './errors.ts';
import { resolveSpec } from './spec.ts';

const minimal = {
  scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' },
  queue: { name: 'render', connection: { secretRef: { name: 'redis', key: 'url' } } },
  maxReplicas: 10,
  targets: { backlogPerReplica: 5 },
};

function problems(raw: unknown): string[] {
  try {
    resolveSpec(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(AutoscalerError);
    expect((err as AutoscalerError).status, 'a domain error knows no HTTP status').toBeUndefined();
    expect((err as AutoscalerError).code).toBe('INVALID_SPEC');
    return (err as AutoscalerError).problems;
  }
  return [];
}

describe('resolveSpec', () => {
  it('fills in the HPA and KEDA-like defaults', () => {
    const spec = resolveSpec(minimal);
    expect(spec.minReplicas).toBe(1);
    expect(spec.queue.prefix).toBe('bull');
    expect(spec.pollingIntervalSeconds).toBe(15);
    expect(spec.cooldownSeconds).toBe(300);
    expect(spec.activation.backlog).toBe(0);
    expect(spec.paused).toBe(false);
    expect(spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(spec.behavior.scaleDown.policies).toEqual([{ type: 'Percent', value: 100, periodSeconds: 15 }]);
    expect(spec.behavior.scaleUp.policies).toEqual([{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }]);
    expect(spec.behavior.scaleUp.tolerance).toBe(0.1);
  });

  it('keeps given behavior fields and defaults the rest per direction', () => {
    const spec = resolveSpec({ ...minimal, behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } });
    expect(spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(30);
    expect(spec.behavior.scaleDown.policies).toHaveLength(1);
    expect(spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
  });

  it('rejects minReplicas above maxReplicas', () => {
    expect(problems({ ...minimal, minReplicas: 5, maxReplicas: 2 })).toEqual(['spec.minReplicas (5) must be less than or equal to spec.maxReplicas (2)']);
  });

  it('reports every problem at once, by path', () => {
    const p = problems({ scaleTargetRef: { name: 'Bad_Name' }, queue: { name: 'a:b' }, maxReplicas: 0, targets: {}, behavior: { scaleUp: { selectPolicy: 'Sometimes', policies: [{ type: 'Nodes', value: 0, periodSeconds: 15 }] } } });
    expect(p).toEqual(expect.arrayContaining([
      'spec.scaleTargetRef.name: must be a lowercase DNS name',
      'spec.queue.connection: required',
      'spec.queue.name: must not contain ":" (BullMQ uses it as the key separator)',
      'spec.maxReplicas: must be an integer from 1 to 10000',
      'spec.targets: set at least one of backlogPerReplica, oldestReadyAgeSeconds, lagP95Seconds',
      'spec.behavior.scaleUp.selectPolicy: must be Max, Min or Disabled',
      'spec.behavior.scaleUp.policies[0].type: must be Pods or Percent',
      'spec.behavior.scaleUp.policies[0].value: must be an integer from 1 to 100000',
    ]));
  });

  it('a lag target needs a Prometheus URL; targets must be positive', () => {
    expect(problems({ ...minimal, targets: { lagP95Seconds: 10 } })).toEqual(['spec.targets.lagP95Seconds needs spec.prometheus.url']);
    expect(problems({ ...minimal, targets: { backlogPerReplica: 0 } })).toEqual(['spec.targets.backlogPerReplica: must be a number greater than 0']);
    const ok = resolveSpec({ ...minimal, targets: { lagP95Seconds: 10 }, prometheus: { url: 'http://prometheus:9090' } });
    expect(ok.prometheus?.query).toContain('bullmq_queue_lag_seconds_bucket');
  });

  it('fallback replicas must be at least 1 (never zero on error)', () => {
    expect(problems({ ...minimal, fallback: { failureThreshold: 3, replicas: 0 } })).toEqual(['spec.fallback.replicas: must be an integer from 1 to 10000']);
  });
});
