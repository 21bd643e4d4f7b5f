/**
 * The chart's QueueAutoscaler for the render worker, rendered by default:
 * created through the real @kubernetes/client-node on the fake API server,
 * which admits it with the chart's own CRD (schema, defaults, CEL rules) as
 * kube-apiserver does, and wired to the worker it scales (Deployment without
 * `replicas`, the same Redis Secret, the controller allowed to read it); then
 * the controller, wired as cmd/controller wires it, scales a worker on a real
 * BullMQ backlog with the rendered targets and behavior.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig, apiStatus } from '#pkg/k8s/index.ts';
import { resolveSpec } from '#pkg/autoscaler/index.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';
import { NS, startControllerHarness, statusOf, type ControllerHarness } from '../fixtures/kube/harness.ts';
import { eventually } from '../fixtures/poll.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { HELM_SUITE, find, helm, render, type Obj } from './chart-helm.ts';

const CR = { group: 'autoscaling.pilotfish.dev', version: 'v1alpha1', plural: 'queueautoscalers' };

describe.skipIf(!helm)('the render worker\'s QueueAutoscaler', HELM_SUITE, () => {
  let api: FakeKubeApi;
  let custom: CustomObjectsApi;
  beforeAll(async () => {
    api = await startKubeApi();
    custom = loadKubeConfig({ server: api.url }).makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => { await api.close(); });

  it('is rendered by default, and the worker Deployment leaves its replica count to it', () => {
    const docs = render();
    const qas = find(docs, 'QueueAutoscaler', 'pf-pilotfish-worker');
    expect(qas).toBeDefined();
    expect(qas!.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'pf-pilotfish-worker' });
    const worker = find(docs, 'Deployment', 'pf-pilotfish-worker')!;
    expect(worker.spec).not.toHaveProperty('replicas');

    const fixed = render('--set', 'worker.autoscaler.enabled=false', '--set', 'worker.replicas=3');
    expect(fixed.filter((d) => d.kind === 'QueueAutoscaler')).toEqual([]);
    expect(find(fixed, 'Deployment', 'pf-pilotfish-worker')!.spec.replicas).toBe(3);
  });

  it('scales the worker on the worker\'s own queue and Redis Secret, which the controller (and only it) may read', () => {
    const docs = render();
    const qas = find(docs, 'QueueAutoscaler', 'pf-pilotfish-worker')!;
    const container = find(docs, 'Deployment', 'pf-pilotfish-worker')!.spec.template.spec.containers[0];
    const env = Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e]));
    expect(qas.spec.queue).toEqual({
      name: env.RENDER_QUEUE.value, prefix: env.BULLMQ_PREFIX.value,
      connection: { secretRef: env.REDIS_URL.valueFrom.secretKeyRef },
    });
    const role = find(docs, 'Role', 'pf-pilotfish-controller-queue-secrets')!;
    expect(role.metadata.namespace).toBe('apps');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: [qas.spec.queue.connection.secretRef.name], verbs: ['get'] }]);
    const binding = find(docs, 'RoleBinding', 'pf-pilotfish-controller-queue-secrets')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'pf-pilotfish-controller', namespace: 'apps' }]);
  });

  it('is created as rendered by an API server applying the chart\'s CRD strictly: no unknown field, every CEL rule passed, defaults filled in', async () => {
    const qas = find(render(), 'QueueAutoscaler', 'pf-pilotfish-worker')!;
    const created = (await custom.createNamespacedCustomObject({ ...CR, namespace: 'apps', body: qas, fieldValidation: 'Strict' })) as Obj;
    expect(created.metadata).toMatchObject({ name: 'pf-pilotfish-worker', namespace: 'apps', generation: 1 });
    // Everything the chart wrote is kept (nothing pruned); the server only adds its defaults.
    expect(created.spec).toMatchObject(qas.spec);
    expect(created.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(() => resolveSpec(created.spec)).not.toThrow();
  });

  it('the same apply refuses a release whose autoscaler values break a CRD rule, naming the rule', async () => {
    const qas = find(render('--set', 'worker.autoscaler.minReplicas=20'), 'QueueAutoscaler', 'pf-pilotfish-worker')!;
    qas.metadata.name = 'pf-bad';
    const err = await custom.createNamespacedCustomObject({ ...CR, namespace: 'apps', body: qas, fieldValidation: 'Strict' }).then(() => undefined, (e: unknown) => e);
    expect(apiStatus(err)).toBe(422);
    expect(String((err as { body?: unknown }).body)).toContain('minReplicas must be less than or equal to maxReplicas');
    await expect(custom.getNamespacedCustomObject({ ...CR, namespace: 'apps', name: 'pf-bad' })).rejects.toSatisfy((e: unknown) => apiStatus(e) === 404);
  });
});

describe.skipIf(!helm)('the controller acting on the chart\'s QueueAutoscaler', HELM_SUITE, () => {
  const queueName = `chart-qas-${process.pid}-${Date.now()}`;
  let queue: Queue;
  let h: ControllerHarness | undefined;
  beforeAll(() => { queue = new Queue(queueName, { connection: { url: sharedRedisUrl() } }); });
  afterAll(async () => {
    await h?.stop();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('scales the worker on its backlog with the chart\'s default targets and behavior', async () => {
    const rendered = find(render(), 'QueueAutoscaler', 'pf-pilotfish-worker')!.spec;
    // The harness names its Deployment, Secret and queue; the chart's targets, bounds, fallback and behavior stay as rendered.
    const spec = {
      ...rendered,
      scaleTargetRef: { ...rendered.scaleTargetRef, name: 'worker' },
      queue: { ...rendered.queue, name: queueName, connection: { secretRef: { name: 'redis', key: 'url' } } },
      pollingIntervalSeconds: 1,
    };
    expect(rendered.targets).toEqual({ backlogPerReplica: 20, oldestReadyAgeSeconds: 30 });
    h = await startControllerHarness({ redisUrl: sharedRedisUrl(), spec });
    await eventually(() => h!.results.length > 0, 'first reconcile');
    expect(h.api.deploymentReplicas(NS, 'worker')).toBe(1);

    // 100 ready jobs at 20 per replica: 5 replicas, reached in one step (the default scale-up allows +4 pods per 15 s).
    await queue.addBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'render', data: { i } })));
    await eventually(() => h!.api.deploymentReplicas(NS, 'worker') === 5, 'scale-up to 5');
    const status = await eventually(() => { const st = statusOf(h!.api); return st?.desiredReplicas === 5 ? st : undefined; }, 'status with 5');
    expect(status.lastMetrics.readyBacklog).toBe(100);
  });
});
