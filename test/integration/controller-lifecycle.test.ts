import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { NS, scalePatches, startControllerHarness, statusOf, type ControllerHarness } from '../fixtures/kube/harness.ts';
import { eventually } from '../fixtures/poll.ts';

const cond = (s: Record<string, any> | undefined, type: string) => s?.conditions?.find((c: any) => c.type === type);

describe('controller lifecycle', () => {
  const queueName = `ctl-life-${process.pid}-${Date.now()}`;
  const queueRef = { name: queueName, connection: { secretRef: { name: 'redis', key: 'url' } } };
  let queue: Queue;
  let h: ControllerHarness | undefined;
  beforeAll(() => { queue = new Queue(queueName, { connection: { url: sharedRedisUrl() } }); });
  afterEach(async () => { await h?.stop(); h = undefined; await queue.drain(true); });
  afterAll(async () => { await queue.obliterate({ force: true }); await queue.close(); });

  it('scales an idle queue to zero after the cooldown, and from zero as soon as jobs arrive', async () => {
    h = await startControllerHarness({
      redisUrl: sharedRedisUrl(), replicas: 1,
      spec: { queue: queueRef, minReplicas: 0, cooldownSeconds: 2, targets: { backlogPerReplica: 5 }, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } },
    });
    const api = h.api;
    await eventually(() => api.deploymentReplicas(NS, 'worker') === 0, 'scale to zero');
    const idle = await eventually(() => { const s = statusOf(api); return cond(s, 'Active')?.status === 'False' ? s : undefined; }, 'Active=False');
    expect(cond(idle, 'Active').reason).toBe('QueueIdle');
    expect(idle.lastActiveTime).toEqual(expect.any(String));
    // The first polls (idle for less than the cooldown) kept 1.
    await eventually(() => h!.results.some((r) => r.result?.decision?.desiredReplicas === 0), 'the zero poll to finish');
    const firstZero = h.results.findIndex((r) => r.result?.decision?.desiredReplicas === 0);
    expect(h.results.slice(0, firstZero).some((r) => r.result?.decision?.desiredReplicas === 1)).toBe(true);

    await queue.addBulk(Array.from({ length: 7 }, (_, i) => ({ name: 'j', data: { i } })));
    const activated = await eventually(() => h!.results.find((r) => r.result?.decision?.reason === 'Activated'), 'an Activated poll');
    expect(activated.result?.scaled).toEqual({ from: 0, to: 2 });
    expect(api.deploymentReplicas(NS, 'worker')).toBe(2);
    expect(scalePatches(api).filter((p) => p.status === 200).map((p) => p.replicas)).toEqual([0, 2]);
  });

  it('the paused annotation holds the count until it is removed', async () => {
    h = await startControllerHarness({ redisUrl: sharedRedisUrl(), spec: { queue: queueRef, targets: { backlogPerReplica: 5 }, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 10, periodSeconds: 1 }] } } } });
    const api = h.api;
    const obj = api.store.get('queueautoscalers', NS, 'render')!;
    api.store.put('queueautoscalers', { ...obj, metadata: { ...obj.metadata, annotations: { 'autoscaling.pilotfish.dev/paused': 'true' } } }, { specChanged: false });
    await eventually(() => h!.results.some((r) => r.result?.decision?.reason === 'Paused'), 'a paused poll');
    await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'j', data: { i } })));
    await eventually(() => { const s = statusOf(api); return cond(s, 'Ready')?.reason === 'Paused' && s!.lastMetrics?.readyBacklog === 20; }, 'Paused with the backlog seen');
    expect(api.deploymentReplicas(NS, 'worker')).toBe(1);
    expect(scalePatches(api)).toEqual([]);
    const paused = api.store.get('queueautoscalers', NS, 'render')!;
    api.store.put('queueautoscalers', { ...paused, metadata: { ...paused.metadata, annotations: {} } }, { specChanged: false });
    await eventually(() => api.deploymentReplicas(NS, 'worker') === 4, 'scale once unpaused');
  });

  it('restarts the informer after the API server fails its list and watch (client-node alone would stop)', async () => {
    h = await startControllerHarness({ redisUrl: sharedRedisUrl(), spec: { queue: queueRef, targets: { backlogPerReplica: 5 } } });
    const api = h.api;
    await eventually(() => statusOf(api)?.desiredReplicas !== undefined, 'first object reconciled');
    api.inject({ method: 'GET', path: /^\/apis\/autoscaling\.pilotfish\.dev\/v1alpha1\/queueautoscalers$/, status: 500, times: 2 });
    api.store.closeWatches();
    await eventually(() => h!.logs.lines.filter((l) => l.includes('informer stopped on an error')).length >= 1, 'an informer error');
    api.addDeployment(NS, 'worker3', 1);
    api.addQueueAutoscaler(NS, 'render3', { scaleTargetRef: { name: 'worker3' }, queue: queueRef, maxReplicas: 5, pollingIntervalSeconds: 1, targets: { backlogPerReplica: 5 } });
    await eventually(() => (api.store.get('queueautoscalers', NS, 'render3')?.status as any)?.desiredReplicas !== undefined, 'the new object reconciled after the restart');
    const failed = api.requests.filter((r) => r.status === 500 && r.path.endsWith('/queueautoscalers'));
    expect(failed.length).toBe(2);
  });

  it('survives a dropped watch, picks up new objects, and forgets deleted ones', async () => {
    h = await startControllerHarness({ redisUrl: sharedRedisUrl(), spec: { queue: queueRef, targets: { backlogPerReplica: 5 } } });
    const api = h.api;
    await eventually(() => statusOf(api)?.desiredReplicas !== undefined, 'first object reconciled');
    api.store.closeWatches();
    api.addDeployment(NS, 'worker2', 1);
    api.addQueueAutoscaler(NS, 'render2', { scaleTargetRef: { name: 'worker2' }, queue: queueRef, maxReplicas: 5, pollingIntervalSeconds: 1, targets: { backlogPerReplica: 5 } });
    await eventually(() => (api.store.get('queueautoscalers', NS, 'render2')?.status as any)?.desiredReplicas !== undefined, 'the new object reconciled after the watch came back');
    await eventually(async () => (await h!.metrics.text()).includes('name="render2"'), 'render2 series');
    api.store.delete('queueautoscalers', NS, 'render');
    await eventually(async () => !(await h!.metrics.text()).includes('queue_autoscaler_desired_replicas{namespace="apps",name="render"}'), 'render series removed');
    expect(h.controller.size).toBe(1);
  });
});
