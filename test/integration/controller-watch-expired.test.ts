import { afterEach, describe, expect, it } from 'vitest';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { NS, startControllerHarness, statusOf, type ControllerHarness } from '../fixtures/kube/harness.ts';
import { eventually } from '../fixtures/poll.ts';

const queueRef = { name: 'render-expired', connection: { secretRef: { name: 'redis', key: 'url' } } };
const WATCH_PATH = /^\/apis\/autoscaling\.pilotfish\.dev\/v1alpha1\/queueautoscalers$/;

describe('controller: a watch whose resourceVersion has been compacted away', () => {
  let h: ControllerHarness | undefined;
  afterEach(async () => { await h?.stop(); h = undefined; });

  it('lists again after 410 Expired and picks up what changed meanwhile', async () => {
    h = await startControllerHarness({ redisUrl: sharedRedisUrl(), spec: { queue: queueRef, targets: { backlogPerReplica: 5 } } });
    const api = h.api;
    await eventually(() => statusOf(api)?.desiredReplicas !== undefined, 'first object reconciled');
    api.store.logLimit = 1;
    const marker = api.requests.length;
    // Just before the informer's next watch is served, two changes land and the older one is compacted away.
    api.inject({
      method: 'GET', path: WATCH_PATH,
      before: () => {
        api.addDeployment(NS, 'worker-late', 1);
        const late = api.addQueueAutoscaler(NS, 'late', { scaleTargetRef: { name: 'worker-late' }, queue: queueRef, maxReplicas: 5, pollingIntervalSeconds: 1, targets: { backlogPerReplica: 5 } });
        api.store.put('queueautoscalers', { ...late, metadata: { ...late.metadata, labels: { touched: 'yes' } } }, { specChanged: false });
      },
    });
    api.store.closeWatches();
    await eventually(() => (api.store.get('queueautoscalers', NS, 'late')?.status as any)?.desiredReplicas !== undefined, 'the object created during the gap reconciled');
    const after = api.requests.slice(marker).filter((r) => r.method === 'GET' && WATCH_PATH.test(r.path));
    const expiredWatch = after.findIndex((r) => r.query.includes('watch=true'));
    expect(expiredWatch).toBeGreaterThanOrEqual(0);
    const rv = Number(new URLSearchParams(after[expiredWatch].query).get('resourceVersion'));
    expect(rv).toBeLessThan(Number(api.store.get('queueautoscalers', NS, 'late')!.metadata.resourceVersion) - 1);
    expect(after.slice(expiredWatch + 1).some((r) => !r.query.includes('watch=true')), 'a list after the 410').toBe(true);
  });
});
