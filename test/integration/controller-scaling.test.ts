import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from 'bullmq';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { NS, scalePatches, startControllerHarness, statusOf, type ControllerHarness } from '../fixtures/kube/harness.ts';
import { eventually } from '../fixtures/poll.ts';

const fast = {
  scaleUp: { policies: [{ type: 'Pods', value: 20, periodSeconds: 1 }] },
  scaleDown: { stabilizationWindowSeconds: 4, policies: [{ type: 'Percent', value: 100, periodSeconds: 1 }] },
};

describe('controller: scale on BullMQ backlog through the Kubernetes API', () => {
  const queueName = `ctl-scale-${process.pid}-${Date.now()}`;
  let queue: Queue;
  let h: ControllerHarness | undefined;

  beforeAll(() => {
    queue = new Queue(queueName, { connection: { url: sharedRedisUrl() } });
  });
  afterEach(async () => { await h?.stop(); h = undefined; });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('scales up when the backlog rises, then down after the stabilisation window once it drains', async () => {
    h = await startControllerHarness({
      redisUrl: sharedRedisUrl(),
      spec: { queue: { name: queueName, connection: { secretRef: { name: 'redis', key: 'url' } } }, targets: { backlogPerReplica: 5 }, behavior: fast },
    });
    const api = h.api;
    await eventually(() => h!.results.length > 0, 'first reconcile');
    expect(api.deploymentReplicas(NS, 'worker')).toBe(1);

    await queue.addBulk(Array.from({ length: 40 }, (_, i) => ({ name: 'render', data: { i } })));
    await eventually(() => api.deploymentReplicas(NS, 'worker') === 8, 'scale-up to 8');
    const up = scalePatches(api).find((p) => p.replicas === 8);
    expect(up).toMatchObject({ status: 200, contentType: expect.stringContaining('application/merge-patch+json') });

    const status = await eventually(() => { const s = statusOf(api); return s?.desiredReplicas === 8 && s.currentReplicas === 8 ? s : undefined; }, 'status with 8');
    expect(status.lastMetrics.readyBacklog).toBe(40);
    expect(status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Reconciled' });
    expect(status.conditions.find((c: any) => c.type === 'Active')).toMatchObject({ status: 'True' });
    const events = api.store.list('events', NS);
    expect(events.some((e) => e.reason === 'SuccessfulRescale' && String(e.message).startsWith('New size: 8'))).toBe(true);
    const text = await h.metrics.text();
    expect(text).toMatch(/queue_autoscaler_desired_replicas\{namespace="apps",name="render"\} 8/);
    expect(text).toMatch(/queue_autoscaler_scale_events_total\{namespace="apps",name="render",direction="up"\} 1/);
    expect(text).toMatch(/queue_autoscaler_metric_value\{namespace="apps",name="render",metric="ready_backlog"\} 40/);

    // Drain with a real worker.
    const worker = new Worker(queueName, async () => 'ok', { connection: { url: sharedRedisUrl() }, concurrency: 20 });
    try {
      await eventually(async () => (await queue.getJobCounts('wait', 'active')).wait === 0 && (await queue.getJobCounts('active')).active === 0, 'drain');
      const drainedAt = h.results.length;
      await eventually(() => api.deploymentReplicas(NS, 'worker') === 1, 'scale-down to 1');
      // Between the drain and the scale-down, polls saw an empty queue but held 8 (the window's highest recommendation).
      const held = h.results.slice(drainedAt).filter((r) => r.result?.decision?.metrics[0]?.value === 0 && r.result.decision.desiredReplicas === 8);
      expect(held.length).toBeGreaterThan(0);
      const downs = scalePatches(api).filter((p) => p.status === 200).map((p) => p.replicas);
      expect(downs).toEqual([8, 1]);
    } finally {
      await worker.close();
    }
  });

  it('refuses to fight an HPA on the same Deployment', async () => {
    h = await startControllerHarness({
      redisUrl: sharedRedisUrl(),
      spec: { queue: { name: queueName, connection: { secretRef: { name: 'redis', key: 'url' } } }, targets: { backlogPerReplica: 1 } },
    });
    h.api.store.put('horizontalpodautoscalers', { metadata: { name: 'worker-cpu', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' }, maxReplicas: 5 } });
    await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'render', data: { i } })));
    const status = await eventually(() => { const s = statusOf(h!.api); return s?.conditions?.[0]?.reason === 'ConflictingHPA' ? s : undefined; }, 'ConflictingHPA condition');
    expect(status.conditions[0]).toMatchObject({ type: 'Ready', status: 'False' });
    expect(status.conditions[0].message).toContain('worker-cpu');
    expect(scalePatches(h.api)).toEqual([]);
    expect(h.api.deploymentReplicas(NS, 'worker')).toBe(1);
    await queue.drain();
  });

  it('reports an invalid spec on the object and scales nothing', async () => {
    // A server refuses this object now; one stored before the CRD had the rule still reaches the controller.
    h = await startControllerHarness({
      redisUrl: sharedRedisUrl(), unchecked: true,
      spec: { queue: { name: queueName, connection: { secretRef: { name: 'redis', key: 'url' } } }, minReplicas: 9, maxReplicas: 3, targets: { backlogPerReplica: 1 } },
    });
    const status = await eventually(() => { const s = statusOf(h!.api); return s?.conditions?.[0]?.reason === 'InvalidSpec' ? s : undefined; }, 'InvalidSpec');
    expect(status.conditions[0].message).toContain('spec.minReplicas (9) must be less than or equal to spec.maxReplicas (3)');
    expect(scalePatches(h.api)).toEqual([]);
  });
});
