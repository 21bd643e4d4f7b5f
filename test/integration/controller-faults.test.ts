import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger, captureLogs } from '#pkg/log/index.ts';
import { LeaderElector, loadKubeConfig } from '#pkg/k8s/index.ts';
import { sharedRedisUrl, startRedis, type RedisProcess } from '../fixtures/redis.ts';
import { startKubeApi } from '../fixtures/kube-api.ts';
import { NS, scalePatches, startControllerHarness, statusOf, type ControllerHarness } from '../fixtures/kube/harness.ts';
import { eventually } from '../fixtures/poll.ts';

const queueRef = (name: string) => ({ name, connection: { secretRef: { name: 'redis', key: 'url' } } });
const PASSWORD = 'pf-ctl-Secret-9731';
const fastUp = { scaleUp: { policies: [{ type: 'Pods', value: 20, periodSeconds: 1 }] } };

describe('controller faults', () => {
  let h: ControllerHarness | undefined;
  let redis: RedisProcess | undefined;
  const queues: Queue[] = [];
  afterEach(async () => {
    await h?.stop(); h = undefined;
    for (const q of queues.splice(0)) { await q.obliterate({ force: true }).catch(() => undefined); await q.close(); }
    await redis?.stop(); redis = undefined;
  });

  it('Redis down: holds, then runs the fallback replicas and says so; recovers when Redis returns', async () => {
    redis = await startRedis();
    const lockRedis = async () => { const c = new Redis(redis!.url); await c.config('SET', 'requirepass', PASSWORD); c.disconnect(); };
    await lockRedis();
    h = await startControllerHarness({
      redisUrl: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`, replicas: 2,
      spec: { queue: queueRef('fallback-q'), targets: { backlogPerReplica: 5 }, fallback: { failureThreshold: 2, replicas: 6 }, behavior: fastUp },
    });
    await eventually(() => statusOf(h!.api)?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True', 'a healthy poll');
    const killedAt = h.results.length;
    await redis.kill();
    await eventually(() => h!.api.deploymentReplicas(NS, 'worker') === 6, 'fallback to 6 replicas');
    await eventually(() => h!.results.slice(killedAt).some((r) => r.result?.decision?.reason === 'Fallback'), 'the fallback poll to finish');
    const failedPolls = h.results.slice(killedAt).map((r) => r.result?.decision).filter((d) => d && d.history.consecutiveFailures > 0);
    // The first failed poll held the count (2); only the threshold-th one switched to the fallback.
    expect(failedPolls[0]).toMatchObject({ reason: 'MetricsUnavailable', desiredReplicas: 2 });
    expect(failedPolls[1]).toMatchObject({ reason: 'Fallback', desiredReplicas: 6 });
    const status = await eventually(() => { const s = statusOf(h!.api); return s?.conditions?.find((c: any) => c.type === 'Fallback')?.status === 'True' ? s : undefined; }, 'Fallback condition');
    expect(status.conditions.find((c: any) => c.type === 'Fallback').message).toMatch(/metrics failed \d+ times in a row/);
    expect(h.api.store.list('events', NS).some((e) => e.reason === 'Fallback' && e.type === 'Warning')).toBe(true);
    expect(await h.metrics.text()).toMatch(/queue_autoscaler_errors_total\{namespace="apps",name="render",kind="redis"\} [1-9]/);
    expect(h.logs.text()).toContain('MetricsUnavailable');
    expect(h.logs.text()).not.toContain(PASSWORD);
    expect(JSON.stringify(statusOf(h.api))).not.toContain(PASSWORD);

    await redis.restart();
    await lockRedis();
    await eventually(() => statusOf(h!.api)?.conditions?.find((c: any) => c.type === 'Fallback')?.status === 'False', 'metrics healthy again');
    // Back on metrics (empty queue → 1), scale-down still waits for the 300 s default window: no flap below the fallback yet.
    expect(h.api.deploymentReplicas(NS, 'worker')).toBe(6);
  });

  it('409 Conflict on the scale write is decided again and written on a fresh read', async () => {
    const api = await startKubeApi();
    const name = `ctl-409-${process.pid}-${Date.now()}`;
    const q = new Queue(name, { connection: { url: sharedRedisUrl() } });
    queues.push(q);
    await q.addBulk(Array.from({ length: 15 }, (_, i) => ({ name: 'j', data: { i } })));
    // Just before the controller's first scale write, someone else changes the Deployment: its write carries a stale resourceVersion.
    api.inject({
      method: 'PATCH', path: /\/deployments\/worker\/scale$/,
      before: () => { const d = api.store.get('deployments', NS, 'worker')!; api.store.put('deployments', { ...d, metadata: { ...d.metadata, labels: { touched: 'yes' } } }, { specChanged: false }); },
    });
    h = await startControllerHarness({ api, redisUrl: sharedRedisUrl(), spec: { queue: queueRef(name), targets: { backlogPerReplica: 5 }, behavior: fastUp } });
    await eventually(() => api.deploymentReplicas(NS, 'worker') === 3, 'scale to 3');
    expect(scalePatches(api).map((p) => p.status).slice(0, 2)).toEqual([409, 200]);
    const text = await eventually(async () => { const t = await h!.metrics.text(); return /direction="up"\} 1/.test(t) ? t : undefined; }, 'the scale counted');
    expect(text).not.toMatch(/kind="conflict"/);
    await h.stop(); h = undefined;
    await api.close();
  });

  it('a conflict from another writer\'s replica count is decided again on that count, not overwritten with the stale decision', async () => {
    const api = await startKubeApi();
    const name = `ctl-409r-${process.pid}-${Date.now()}`;
    const q = new Queue(name, { connection: { url: sharedRedisUrl() } });
    queues.push(q);
    // 15 jobs at 5 per replica: from 1 replica the controller decides 3.
    await q.addBulk(Array.from({ length: 15 }, (_, i) => ({ name: 'j', data: { i } })));
    // Between the controller's read and its write, someone else scales the Deployment to 5.
    api.inject({
      method: 'PATCH', path: /\/deployments\/worker\/scale$/,
      before: () => {
        const d = api.store.get('deployments', NS, 'worker')!;
        api.store.put('deployments', { ...d, spec: { ...(d.spec as object), replicas: 5 }, status: { replicas: 5, readyReplicas: 5 } }, { specChanged: true });
      },
    });
    h = await startControllerHarness({ api, redisUrl: sharedRedisUrl(), spec: { queue: queueRef(name), targets: { backlogPerReplica: 5 }, behavior: fastUp } });
    // Decided again on 5: the backlog asks for 3, but a scale-down waits for the 300 s window, so 5 stays.
    const redecided = await eventually(() => h!.results.find((r) => r.result?.decision?.desiredReplicas === 5)?.result, 'the decision made again on 5 replicas');
    expect(redecided.blocked).toBeUndefined();
    await eventually(() => h!.results.length >= 3, 'two more polls');
    expect(h.results.every((r) => r.result?.scaled === undefined)).toBe(true);
    expect(scalePatches(api).map((p) => [p.status, p.replicas])).toEqual([[409, 3]]);
    expect(api.deploymentReplicas(NS, 'worker')).toBe(5);
    expect(statusOf(api)?.currentReplicas).toBe(5);
    expect(await h.metrics.text()).not.toMatch(/kind="conflict"/);
    await h.stop(); h = undefined;
    await api.close();
  });

  it('a scale write that keeps conflicting is reported, not lost: the next poll tries again', async () => {
    const api = await startKubeApi();
    const name = `ctl-409x-${process.pid}-${Date.now()}`;
    const q = new Queue(name, { connection: { url: sharedRedisUrl() } });
    queues.push(q);
    await q.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'j', data: { i } })));
    api.inject({ method: 'PATCH', path: /\/deployments\/worker\/scale$/, status: 409, times: 3 });
    h = await startControllerHarness({ api, redisUrl: sharedRedisUrl(), spec: { queue: queueRef(name), targets: { backlogPerReplica: 5 }, behavior: fastUp } });
    await eventually(() => api.deploymentReplicas(NS, 'worker') === 2, 'scale to 2 on a later poll');
    expect(await h.metrics.text()).toMatch(/queue_autoscaler_errors_total\{namespace="apps",name="render",kind="conflict"\} 1/);
    expect(api.store.list('events', NS).some((e) => e.reason === 'FailedRescale')).toBe(true);
    await h.stop(); h = undefined;
    await api.close();
  });

  it('a replica that loses the lease stops acting, and acts again once it wins it back', async () => {
    const name = `ctl-lease-${process.pid}-${Date.now()}`;
    const q = new Queue(name, { connection: { url: sharedRedisUrl() } });
    queues.push(q);
    h = await startControllerHarness({
      redisUrl: sharedRedisUrl(),
      spec: { queue: queueRef(name), targets: { backlogPerReplica: 5 }, behavior: fastUp },
      lease: { identity: 'controller-a', leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 },
    });
    const api = h.api;
    await eventually(() => h!.elector!.isLeader, 'controller-a leads');
    await eventually(() => h!.results.some((r) => r.result?.decision), 'a poll as leader');

    // Another replica takes the lease (as after a partition) and keeps renewing it.
    const steal = () => {
      const lease = api.store.get('leases', NS, 'pilotfish-controller')!;
      api.store.put('leases', { ...lease, spec: { ...(lease.spec as object), holderIdentity: 'controller-b', renewTime: new Date().toISOString() } });
    };
    steal();
    const renewer = setInterval(steal, 200);
    try {
      await eventually(() => !h!.elector!.isLeader, 'controller-a steps down');
      const patchesBefore = scalePatches(api).length;
      await q.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'j', data: { i } })));
      const skippedBefore = h.controller.skipped;
      await eventually(() => h!.controller.skipped >= skippedBefore + 3, 'three skipped polls');
      expect(scalePatches(api).length).toBe(patchesBefore);
      expect(api.deploymentReplicas(NS, 'worker')).toBe(1);
    } finally {
      clearInterval(renewer);
    }
    // controller-b stops renewing: after the lease duration controller-a takes over and scales.
    await eventually(() => h!.elector!.isLeader, 'controller-a leads again');
    await eventually(() => api.deploymentReplicas(NS, 'worker') === 6, 'scale to 6 after re-election');
    expect(api.store.get('leases', NS, 'pilotfish-controller')?.spec).toMatchObject({ holderIdentity: 'controller-a' });
  });

  it('of two candidates exactly one leads; when it stops the other takes over', async () => {
    const api = await startKubeApi();
    const kc = loadKubeConfig({ server: api.url });
    const logger = createLogger({ name: 'lease-test', destination: captureLogs().stream });
    const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 };
    const a = new LeaderElector(kc, { namespace: NS, name: 'l', identity: 'a', logger, ...timings });
    const b = new LeaderElector(kc, { namespace: NS, name: 'l', identity: 'b', logger, ...timings });
    a.start(); b.start();
    try {
      await eventually(() => a.isLeader || b.isLeader, 'a leader');
      // Several renew rounds, counted at the API server, with the other candidate trying all along.
      const renewals = () => api.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/leases/l') && r.status === 200).length;
      const since = renewals();
      await eventually(() => renewals() >= since + 3, 'three renewals of the lease');
      expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
      const [leader, other] = a.isLeader ? [a, b] : [b, a];
      await leader.stop(); // releases the lease
      await eventually(() => other.isLeader, 'hand-over');
      expect(leader.isLeader).toBe(false);
    } finally {
      await a.stop(); await b.stop(); await api.close();
    }
  });
});
