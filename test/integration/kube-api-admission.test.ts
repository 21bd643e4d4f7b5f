import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_CRD_PATH, readYamlDocs } from '../fixtures/kube/crd-check.ts';
import { BASE_SPEC, BASE_SPEC_DEFAULTED, CEL_CASES } from '../fixtures/kube/crd-cases.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';

const NS = 'apps';
const PATH = `/apis/autoscaling.pilotfish.dev/v1alpha1/namespaces/${NS}/queueautoscalers`;
const base = BASE_SPEC;
let seq = 0;
const qa = (spec: Record<string, unknown>, name = `qa-${++seq}`) => ({ apiVersion: 'autoscaling.pilotfish.dev/v1alpha1', kind: 'QueueAutoscaler', metadata: { name }, spec });

describe('fake API server admission: the chart CRD\'s schema and CEL rules, as kube-apiserver applies them', () => {
  let api: FakeKubeApi;
  beforeAll(async () => { api = await startKubeApi(); });
  afterAll(async () => { await api.close(); });

  async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
    const res = await fetch(`${api.url}${path}`, { method, headers: { 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any>, warning: res.headers.get('warning') };
  }

  const celCases = CEL_CASES;

  it('the table covers every x-kubernetes-validations rule in the chart\'s CRD file', async () => {
    const [crd] = await readYamlDocs(CHART_CRD_PATH);
    const rules: string[] = [];
    const walk = (s: Record<string, any>, path: string) => {
      for (const v of s['x-kubernetes-validations'] ?? []) rules.push(`${path}${v.fieldPath ?? ''}: ${v.message}`);
      for (const [k, child] of Object.entries(s.properties ?? {})) walk(child as Record<string, any>, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
    };
    walk(crd.spec.versions[0].schema.openAPIV3Schema, '');
    expect(rules.length).toBeGreaterThanOrEqual(8);
    expect(new Set(celCases.map((c) => `.${c.field}: ${c.message}`))).toEqual(new Set(rules));
  });

  it.each(celCases)('refuses $field: $message with 422 Invalid and stores nothing', async ({ spec, field, message }) => {
    const obj = qa(spec);
    const { status, body } = await call('POST', PATH, obj);
    expect(status).toBe(422);
    expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Invalid', code: 422 });
    expect(body.details).toMatchObject({ name: obj.metadata.name, group: 'autoscaling.pilotfish.dev', kind: 'QueueAutoscaler' });
    expect(body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field, message: expect.stringMatching(/^Invalid value: "\w+": /) }]);
    expect(body.details.causes[0].message.endsWith(`: ${message}`)).toBe(true);
    expect(body.message).toBe(`QueueAutoscaler.autoscaling.pilotfish.dev "${obj.metadata.name}" is invalid: ${field}: ${body.details.causes[0].message}`);
    expect((await call('GET', `${PATH}/${obj.metadata.name}`)).status).toBe(404);
  });

  it.each([
    { spec: { ...base, maxReplicas: undefined }, reason: 'FieldValueRequired', field: 'spec.maxReplicas', message: 'Required value' },
    { spec: { ...base, maxReplicas: 'ten' }, reason: 'FieldValueTypeInvalid', field: 'spec.maxReplicas', message: 'must be of type integer' },
    { spec: { ...base, maxReplicas: 2.5 }, reason: 'FieldValueTypeInvalid', field: 'spec.maxReplicas', message: 'must be of type integer' },
    { spec: { ...base, maxReplicas: 10001 }, reason: 'FieldValueInvalid', field: 'spec.maxReplicas', message: 'should be less than or equal to 10000' },
    { spec: { ...base, minReplicas: -1 }, reason: 'FieldValueInvalid', field: 'spec.minReplicas', message: 'should be greater than or equal to 0' },
    { spec: { ...base, scaleTargetRef: { name: 'Bad_Name' } }, reason: 'FieldValueInvalid', field: 'spec.scaleTargetRef.name', message: 'should match' },
    { spec: { ...base, prometheus: { url: 'ftp://prom' } }, reason: 'FieldValueInvalid', field: 'spec.prometheus.url', message: 'should match' },
    { spec: { ...base, behavior: { scaleUp: { selectPolicy: 'Sometimes' } } }, reason: 'FieldValueNotSupported', field: 'spec.behavior.scaleUp.selectPolicy', message: 'supported values: "Max", "Min", "Disabled"' },
    { spec: { ...base, behavior: { scaleDown: { policies: [] } } }, reason: 'FieldValueInvalid', field: 'spec.behavior.scaleDown.policies', message: 'should have at least 1 items' },
    { spec: { ...base, queue: { name: 'render' } }, reason: 'FieldValueRequired', field: 'spec.queue.connection', message: 'Required value' },
  ])('refuses a schema violation at $field ($reason)', async ({ spec, reason, field, message }) => {
    const { status, body } = await call('POST', PATH, qa(JSON.parse(JSON.stringify(spec))));
    expect(status).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(body.details.causes).toContainEqual({ reason, field, message: expect.stringContaining(message) });
  });

  it('does not run CEL rules over an object the schema already refuses for a missing field (as the server skips them)', async () => {
    const { body } = await call('POST', PATH, qa({ ...base, targets: undefined, minReplicas: 5, maxReplicas: 2 }));
    expect(body.details.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.targets', message: 'Required value' },
      { reason: 'FieldValueInvalid', field: '<nil>', message: expect.stringContaining('some validation rules were not checked because the object was invalid') },
    ]);
  });

  it('fills in the schema\'s defaults on create', async () => {
    const { status, body } = await call('POST', PATH, qa({ ...base, fallback: { replicas: 2 } }, 'defaults'));
    expect(status).toBe(201);
    expect(body.spec).toEqual({ ...BASE_SPEC_DEFAULTED, fallback: { replicas: 2, failureThreshold: 3 } });
    expect(body.metadata).toMatchObject({ name: 'defaults', namespace: NS, generation: 1, uid: expect.any(String), creationTimestamp: expect.stringMatching(/Z$/) });
    expect(api.store.get('queueautoscalers', NS, 'defaults')?.spec).toEqual(body.spec);
  });

  it('prunes unknown fields with a warning, and refuses them under fieldValidation=Strict', async () => {
    const spec = { ...base, replicaz: 3, targets: { backlogPerReplica: 5, backlogPerReplicas: 9 } };
    const lenient = await call('POST', PATH, qa(spec, 'pruned'));
    expect(lenient.status).toBe(201);
    expect(lenient.body.spec.replicaz).toBeUndefined();
    expect(lenient.body.spec.targets).toEqual({ backlogPerReplica: 5 });
    expect(lenient.warning).toContain('unknown field \\"spec.replicaz\\"');
    const strict = await call('POST', `${PATH}?fieldValidation=Strict`, qa(spec, 'strict'));
    expect(strict.status).toBe(400);
    expect(strict.body).toMatchObject({ reason: 'BadRequest', message: expect.stringContaining('unknown field "spec.targets.backlogPerReplicas"') });
    expect((await call('GET', `${PATH}/strict`)).status).toBe(404);
  });

  it('refuses an update that breaks a rule and leaves the stored object as it was', async () => {
    const created = (await call('POST', PATH, qa(base, 'upd'))).body;
    const { status, body } = await call('PATCH', `${PATH}/upd`, { spec: { minReplicas: 11 } }, 'application/merge-patch+json');
    expect(status).toBe(422);
    expect(body.details.causes.map((c: { field: string }) => c.field)).toEqual(['spec.minReplicas']);
    expect(body.message).toContain('minReplicas must be less than or equal to maxReplicas');
    expect(api.store.get('queueautoscalers', NS, 'upd')?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('addQueueAutoscaler admits as the server does: defaults filled in, a refused object thrown with the server\'s message', () => {
    expect(api.addQueueAutoscaler(NS, 'helper', base).spec).toMatchObject({ minReplicas: 1, pollingIntervalSeconds: 15 });
    expect(() => api.addQueueAutoscaler(NS, 'helper-bad', { ...base, targets: {} })).toThrow('spec.targets: Invalid value: "object": set at least one of');
    expect(api.store.get('queueautoscalers', NS, 'helper-bad')).toBeUndefined();
  });
});
