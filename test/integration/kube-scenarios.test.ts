import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoordinationV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiStatus } from '#pkg/k8s/index.ts';
import { BASE_SPEC, BASE_SPEC_DEFAULTED, CEL_CASES } from '../fixtures/kube/crd-cases.ts';
import { clusterTarget, fakeTarget, type KubeTarget } from '../fixtures/kube/target.ts';

/*
 * One table of API-server behaviours the controller depends on, run against
 * the fake API server and — when KUBECONFIG names a cluster that answers —
 * against that cluster, so what the fake promises is checked against a real
 * server (see docs/controller.md, "Checking a real cluster").
 */

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const CR = { group: 'autoscaling.pilotfish.dev', version: 'v1alpha1', plural: 'queueautoscalers' };
type Obj = Record<string, any>;
const modified = (qualified: string, name: string) =>
  `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; please apply your changes to the latest version and try again`;

/** The HTTP status and parsed Status body of a call that must fail. */
async function refusal(call: Promise<unknown>): Promise<{ code?: number; body: Obj }> {
  const err = await call.then(() => { throw new Error('the server accepted it'); }, (e: unknown) => e);
  if (err instanceof Error && err.message === 'the server accepted it') throw err;
  const raw = (err as { body?: unknown }).body;
  return { code: apiStatus(err), body: (typeof raw === 'string' ? JSON.parse(raw) : raw) as Obj };
}

interface Scenario { name: string; run(t: KubeTarget, name: string): Promise<void> }

const qa = (name: string, spec: Obj) => ({ apiVersion: `${CR.group}/${CR.version}`, kind: 'QueueAutoscaler', metadata: { name }, spec });

const SCENARIOS: Scenario[] = [
  {
    name: 'a valid QueueAutoscaler is created with the CRD\'s defaults, generation 1',
    async run(t, name) {
      const custom = t.kc.makeApiClient(CustomObjectsApi);
      const created = (await custom.createNamespacedCustomObject({ ...CR, namespace: t.namespace, body: qa(name, BASE_SPEC) })) as Obj;
      expect(created.spec).toEqual(BASE_SPEC_DEFAULTED);
      expect(created.metadata.generation).toBe(1);
    },
  },
  ...CEL_CASES.map((c): Scenario => ({
    name: `CEL: ${c.field} is refused with "${c.message}"`,
    async run(t, name) {
      const custom = t.kc.makeApiClient(CustomObjectsApi);
      const { code, body } = await refusal(custom.createNamespacedCustomObject({ ...CR, namespace: t.namespace, body: qa(name, c.spec) }));
      expect(code).toBe(422);
      expect(body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name, group: CR.group, kind: 'QueueAutoscaler' } });
      expect(body.details.causes).toContainEqual(expect.objectContaining({ field: c.field, message: expect.stringContaining(c.message) }));
    },
  })),
  {
    name: 'the status subresource ignores spec; the main resource ignores status; generation moves on spec only',
    async run(t, name) {
      const custom = t.kc.makeApiClient(CustomObjectsApi);
      const ref = { ...CR, namespace: t.namespace, name };
      await custom.createNamespacedCustomObject({ ...CR, namespace: t.namespace, body: qa(name, BASE_SPEC) });
      const st = (await custom.patchNamespacedCustomObjectStatus({ ...ref, body: { spec: { maxReplicas: 7 }, status: { desiredReplicas: 2 } } }, MERGE)) as Obj;
      expect([st.spec.maxReplicas, st.status.desiredReplicas, st.metadata.generation]).toEqual([10, 2, 1]);
      const main = (await custom.patchNamespacedCustomObject({ ...ref, body: { spec: { maxReplicas: 8 }, status: { desiredReplicas: 5 } } }, MERGE)) as Obj;
      expect([main.spec.maxReplicas, main.status.desiredReplicas, main.metadata.generation]).toEqual([8, 2, 2]);
    },
  },
  {
    name: 'a replace on a stale resourceVersion is 409 Conflict with the server\'s Status body',
    async run(t, name) {
      const custom = t.kc.makeApiClient(CustomObjectsApi);
      const ref = { ...CR, namespace: t.namespace, name };
      const first = (await custom.createNamespacedCustomObject({ ...CR, namespace: t.namespace, body: qa(name, BASE_SPEC) })) as Obj;
      await custom.patchNamespacedCustomObject({ ...ref, body: { spec: { maxReplicas: 11 } } }, MERGE);
      const { code, body } = await refusal(custom.replaceNamespacedCustomObject({ ...ref, body: { ...first, spec: { ...first.spec, maxReplicas: 3 } } }));
      expect(code).toBe(409);
      expect(body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409, message: modified(`${CR.plural}.${CR.group}`, name), details: { name, group: CR.group, kind: CR.plural } });
    },
  },
  {
    name: 'the Deployment scale subresource honours a resourceVersion precondition',
    async run(t, name) {
      const apps = t.kc.makeApiClient(AppsV1Api);
      const labels = { app: name };
      await apps.createNamespacedDeployment({ namespace: t.namespace, body: { metadata: { name }, spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }] } } } } });
      const scale = await apps.readNamespacedDeploymentScale({ name, namespace: t.namespace });
      await apps.patchNamespacedDeploymentScale({ name, namespace: t.namespace, body: { spec: { replicas: 1 } } }, MERGE);
      const { code, body } = await refusal(apps.replaceNamespacedDeploymentScale({ name, namespace: t.namespace, body: { ...scale, spec: { replicas: 2 } } }));
      expect(code).toBe(409);
      expect(body).toMatchObject({ reason: 'Conflict', message: modified('deployments.apps', name), details: { name, group: 'apps', kind: 'deployments' } });
      const stalePatch = await refusal(apps.patchNamespacedDeploymentScale({ name, namespace: t.namespace, body: { metadata: { resourceVersion: scale.metadata?.resourceVersion }, spec: { replicas: 2 } } }, MERGE));
      expect(stalePatch.code).toBe(409);
      expect((await apps.readNamespacedDeploymentScale({ name, namespace: t.namespace })).spec?.replicas).toBe(1);
      await apps.patchNamespacedDeploymentScale({ name, namespace: t.namespace, body: { spec: { replicas: 0 } } }, MERGE);
    },
  },
  {
    name: 'two candidates writing a Lease from the same read: the second conflicts',
    async run(t, name) {
      const leases = t.kc.makeApiClient(CoordinationV1Api);
      await leases.createNamespacedLease({ namespace: t.namespace, body: { metadata: { name }, spec: { leaseDurationSeconds: 15 } } });
      const a = await leases.readNamespacedLease({ name, namespace: t.namespace });
      const b = await leases.readNamespacedLease({ name, namespace: t.namespace });
      await leases.replaceNamespacedLease({ name, namespace: t.namespace, body: { ...a, spec: { ...a.spec, holderIdentity: 'a' } } });
      const { code, body } = await refusal(leases.replaceNamespacedLease({ name, namespace: t.namespace, body: { ...b, spec: { ...b.spec, holderIdentity: 'b' } } }));
      expect(code).toBe(409);
      expect(body).toMatchObject({ reason: 'Conflict', message: modified('leases.coordination.k8s.io', name) });
      expect((await leases.readNamespacedLease({ name, namespace: t.namespace })).spec?.holderIdentity).toBe('a');
    },
  },
];

const names = SCENARIOS.map((_, i) => `scenario-${i}`);

describe('kube scenarios on the fake API server', () => {
  let t: KubeTarget;
  beforeAll(async () => { t = await fakeTarget(); });
  afterAll(async () => { await t.close(); });
  it.each(SCENARIOS.map((s, i) => ({ ...s, i })))('$name', async ({ run, i }) => { await run(t, names[i]); });
});

const cluster = await clusterTarget();
if ('skip' in cluster) process.stdout.write(`kube scenarios on a cluster: skipped — ${cluster.skip}\n`);

describe.skipIf('skip' in cluster)('kube scenarios on the cluster KUBECONFIG names', () => {
  const t = cluster as KubeTarget;
  afterAll(async () => { await t.close(); });
  it.each(SCENARIOS.map((s, i) => ({ ...s, i })))('$name', async ({ run, i }) => { await run(t, names[i]); }, 30_000);
});
