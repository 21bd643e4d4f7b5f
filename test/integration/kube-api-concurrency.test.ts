import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { isConflict, loadKubeConfig } from '#pkg/k8s/index.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';

const NS = 'apps';
const QAS = `/apis/autoscaling.pilotfish.dev/v1alpha1/namespaces/${NS}/queueautoscalers`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const MERGE = 'application/merge-patch+json';
const spec = {
  scaleTargetRef: { name: 'worker' },
  queue: { name: 'render', connection: { secretRef: { name: 'redis', key: 'url' } } },
  maxReplicas: 10,
  targets: { backlogPerReplica: 5 },
};
const conflictMessage = (qualified: string, name: string) =>
  `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; please apply your changes to the latest version and try again`;

describe('fake API server: subresources, generation and optimistic concurrency as on kube-apiserver', () => {
  let api: FakeKubeApi;
  beforeAll(async () => { api = await startKubeApi(); });
  afterAll(async () => { await api.close(); });

  async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
    const res = await fetch(`${api.url}${path}`, { method, headers: { 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }
  const create = async (name: string) => (await call('POST', QAS, { apiVersion: 'autoscaling.pilotfish.dev/v1alpha1', kind: 'QueueAutoscaler', metadata: { name }, spec })).body;

  it('the status subresource changes status only, and never the generation', async () => {
    const qa = await create('st');
    const { status, body } = await call('PUT', `${QAS}/st/status`, { ...qa, spec: { ...qa.spec, maxReplicas: 99 }, metadata: { ...qa.metadata, labels: { a: 'b' } }, status: { desiredReplicas: 3 } });
    expect(status).toBe(200);
    expect(body.spec.maxReplicas).toBe(10);
    expect(body.metadata.labels).toBeUndefined();
    expect(body.status).toEqual({ desiredReplicas: 3 });
    expect(body.metadata.generation).toBe(1);
    expect(Number(body.metadata.resourceVersion)).toBeGreaterThan(Number(qa.metadata.resourceVersion));
  });

  it('the main resource ignores status; generation moves on spec changes only', async () => {
    const qa = await create('main');
    await call('PATCH', `${QAS}/main/status`, { status: { desiredReplicas: 4 } }, MERGE);
    const withStatus = await call('PATCH', `${QAS}/main`, { status: { desiredReplicas: 7 } }, MERGE);
    expect(withStatus.body.status).toEqual({ desiredReplicas: 4 });
    expect(withStatus.body.metadata.generation).toBe(1);
    const labelled = await call('PATCH', `${QAS}/main`, { metadata: { labels: { team: 'render' } } }, MERGE);
    expect(labelled.body.metadata).toMatchObject({ labels: { team: 'render' }, generation: 1 });
    const changed = await call('PATCH', `${QAS}/main`, { spec: { maxReplicas: 12 } }, MERGE);
    expect(changed.body.metadata.generation).toBe(2);
    expect(changed.body.metadata.uid).toBe(qa.metadata.uid);
    expect(changed.body.metadata.creationTimestamp).toBe(qa.metadata.creationTimestamp);
  });

  it('a write that changes nothing keeps its resourceVersion (no event for watchers)', async () => {
    const qa = await create('noop');
    const again = await call('PUT', `${QAS}/noop`, qa);
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(qa.metadata.resourceVersion);
  });

  it('a stale resourceVersion is 409 Conflict with the server\'s Status body, on the object and on its status', async () => {
    const qa = await create('cf');
    await call('PATCH', `${QAS}/cf`, { spec: { maxReplicas: 11 } }, MERGE);
    for (const path of [`${QAS}/cf`, `${QAS}/cf/status`]) {
      const { status, body } = await call('PUT', path, { ...qa, status: { desiredReplicas: 1 } });
      expect(status).toBe(409);
      expect(body).toEqual({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409,
        message: conflictMessage('queueautoscalers.autoscaling.pilotfish.dev', 'cf'),
        details: { name: 'cf', group: 'autoscaling.pilotfish.dev', kind: 'queueautoscalers' },
      });
    }
    const patch = await call('PATCH', `${QAS}/cf`, { metadata: { resourceVersion: qa.metadata.resourceVersion }, spec: { maxReplicas: 3 } }, MERGE);
    expect(patch.status).toBe(409);
    expect(api.store.get('queueautoscalers', NS, 'cf')?.spec).toMatchObject({ maxReplicas: 11 });
  });

  it('a custom resource refuses a replace that names no resourceVersion', async () => {
    const qa = await create('uncond');
    const { status, body } = await call('PUT', `${QAS}/uncond`, { ...qa, metadata: { name: 'uncond' }, spec: { ...qa.spec, maxReplicas: 4 } });
    expect(status).toBe(422);
    expect(body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
  });

  it('the scale subresource honours a resourceVersion precondition', async () => {
    api.addDeployment(NS, 'web', 2);
    const scale = (await call('GET', `${DEPLOYMENTS}/web/scale`)).body;
    await call('PATCH', `${DEPLOYMENTS}/web/scale`, { spec: { replicas: 3 } }, MERGE);
    const stalePatch = await call('PATCH', `${DEPLOYMENTS}/web/scale`, { metadata: { resourceVersion: scale.metadata.resourceVersion }, spec: { replicas: 9 } }, MERGE);
    expect(stalePatch.status).toBe(409);
    expect(stalePatch.body).toMatchObject({ reason: 'Conflict', message: conflictMessage('deployments.apps', 'web'), details: { name: 'web', group: 'apps', kind: 'deployments' } });
    const stalePut = await call('PUT', `${DEPLOYMENTS}/web/scale`, { ...scale, spec: { replicas: 9 } });
    expect(stalePut.status).toBe(409);
    expect(api.deploymentReplicas(NS, 'web')).toBe(3);
    const fresh = (await call('GET', `${DEPLOYMENTS}/web/scale`)).body;
    const ok = await call('PUT', `${DEPLOYMENTS}/web/scale`, { ...fresh, spec: { replicas: 9 } });
    expect(ok.status).toBe(200);
    expect(api.deploymentReplicas(NS, 'web')).toBe(9);
  });

  it('two controllers racing for a Lease: the second write on the same resourceVersion conflicts', async () => {
    const client = loadKubeConfig({ server: api.url }).makeApiClient(CoordinationV1Api);
    await client.createNamespacedLease({ namespace: NS, body: { metadata: { name: 'race' }, spec: { leaseDurationSeconds: 15 } } });
    const seenByA = await client.readNamespacedLease({ name: 'race', namespace: NS });
    const seenByB = await client.readNamespacedLease({ name: 'race', namespace: NS });
    await client.replaceNamespacedLease({ name: 'race', namespace: NS, body: { ...seenByA, spec: { ...seenByA.spec, holderIdentity: 'a' } } });
    const lost = await client.replaceNamespacedLease({ name: 'race', namespace: NS, body: { ...seenByB, spec: { ...seenByB.spec, holderIdentity: 'b' } } }).then(() => undefined, (err: unknown) => err);
    expect(isConflict(lost)).toBe(true);
    expect((await client.readNamespacedLease({ name: 'race', namespace: NS })).spec?.holderIdentity).toBe('a');
    const raw = await call('PUT', `${LEASES}/race`, { ...seenByB, spec: { holderIdentity: 'b' } });
    expect(raw.body).toMatchObject({ reason: 'Conflict', code: 409, message: conflictMessage('leases.coordination.k8s.io', 'race'), details: { group: 'coordination.k8s.io', kind: 'leases' } });
  });

  it('a Lease time must be a MicroTime (six fractional digits) and its duration positive, as the server decodes and validates it', async () => {
    const lease = (renewTime: string, leaseDurationSeconds = 15) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `l-${leaseDurationSeconds}-${renewTime.length}` }, spec: { holderIdentity: 'a', leaseDurationSeconds, renewTime } });
    const millis = await call('POST', LEASES, lease('2026-12-02T09:00:00.123Z'));
    expect(millis.status).toBe(400);
    expect(millis.body).toMatchObject({ reason: 'BadRequest', message: expect.stringContaining('2006-01-02T15:04:05.000000Z07:00') });
    const zero = await call('POST', LEASES, lease('2026-12-02T09:00:00.123000Z', 0));
    expect(zero.status).toBe(422);
    expect(zero.body.details.causes).toEqual([expect.objectContaining({ field: 'spec.leaseDurationSeconds' })]);
    expect((await call('POST', LEASES, lease('2026-12-02T09:00:00.123000Z'))).status).toBe(201);
  });

  it('a watch from a resourceVersion whose events were compacted away gets 410 Expired in the stream', async () => {
    const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
    api.store.logLimit = 2;
    try {
      const from = api.store.revision;
      for (const n of ['s1', 's2', 's3']) api.addSecret(NS, n, { k: 'v' });
      const res = await fetch(`${api.url}${SECRETS}?watch=true&resourceVersion=${from}`);
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
      expect(lines).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', reason: 'Expired', code: 410 }) }]);
      // From a version still in the log the replay is complete.
      const recent = new AbortController();
      const stream = await fetch(`${api.url}${SECRETS}?watch=true&resourceVersion=${api.store.revision - 2}`, { signal: recent.signal });
      const reader = stream.body!.getReader();
      let text = '';
      while (text.split('\n').length < 3) text += new TextDecoder().decode((await reader.read()).value);
      recent.abort();
      expect(text.trim().split('\n').map((l) => (JSON.parse(l) as { object: { metadata: { name: string } } }).object.metadata.name)).toEqual(['s2', 's3']);
    } finally {
      api.store.logLimit = 1000;
    }
  });

  it('errors ratchet: a status write to an object stored before a rule existed succeeds, a spec change that keeps it broken does not', async () => {
    api.store.put('queueautoscalers', { apiVersion: 'autoscaling.pilotfish.dev/v1alpha1', kind: 'QueueAutoscaler', metadata: { name: 'legacy', namespace: NS }, spec: { ...spec, minReplicas: 9, maxReplicas: 3 } });
    const st = await call('PATCH', `${QAS}/legacy/status`, { status: { desiredReplicas: 3 } }, MERGE);
    expect(st.status).toBe(200);
    const bad = await call('PATCH', `${QAS}/legacy`, { spec: { maxReplicas: 4 } }, MERGE);
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain('minReplicas must be less than or equal to maxReplicas');
  });
});
