/**
 * The injector over HTTPS, as kube-apiserver calls it: admission.k8s.io/v1
 * AdmissionReviews for pods (ReplicaSet pods with generateName and no name,
 * oldObject absent or null, dryRun), TLS verified against the caBundle the
 * injector made and keeps in its Secret (in the fake API server), metrics
 * for injections, refusals and latency.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJsonPatch, type Pod } from '#pkg/inject/index.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';
import { decodePatch, podReview, post, SERVICE_HOST, startInjector } from './injector-helpers.ts';

let api: FakeKubeApi;
let injector: Awaited<ReturnType<typeof startInjector>>;

const annotated = (annotations: Record<string, string> = { 'pilotfish.dev/inject': 'cache,llm' }, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { generateName: 'web-5d8f9c7b6-', namespace: 'apps', labels: { app: 'web', 'pod-template-hash': '5d8f9c7b6' }, annotations, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f9c7b6', uid: 'rs-uid', controller: true, blockOwnerDeletion: true }] },
  spec: { containers: [{ name: 'web', image: 'registry.example/web:1', env: [{ name: 'PORT', value: '8080' }], ports: [{ containerPort: 8080 }] }], ...spec },
});

beforeAll(async () => {
  api = await startKubeApi();
  injector = await startInjector(api, { configYaml: 'cache:\n  backend: memory\nllm:\n  provider: mock\n  fallback: []\n  mockEnabled: true\n' });
});
afterAll(async () => {
  await injector?.app.close();
  await api?.close();
});

describe('injector webhook over HTTPS', () => {
  it('serves a certificate for the Service, signed by the CA it stored in its Secret', async () => {
    const secret = api.store.get('secrets', 'pilotfish', 'pilotfish-injector-tls');
    expect(secret).toBeDefined();
    const data = secret!.data as Record<string, string>;
    const caBundle = Buffer.from(data['ca.crt'], 'base64').toString();
    expect(caBundle).toBe(injector.app.tls.caBundle);
    const leaf = new X509Certificate(Buffer.from(data['tls.crt'], 'base64').toString());
    expect(leaf.checkHost(SERVICE_HOST)).toBe(SERVICE_HOST);
    expect(leaf.checkIssued(new X509Certificate(caBundle))).toBe(true);
    const answer = await post(injector.app, podReview(annotated({})));
    expect(answer.status).toBe(200);
    expect(answer.peerSerial).toBe(leaf.serialNumber);
  });

  it('is refused by a client that does not trust its CA', async () => {
    const stranger = (await import('#pkg/injector/index.ts')).createCertificateAuthority({ commonName: 'other', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
    await expect(post(injector.app, podReview(annotated({})), { ca: stranger.cert })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('injects both sidecars into a ReplicaSet pod (generateName, no name, oldObject null) and echoes the uid', async () => {
    const review = podReview(annotated());
    const answer = await post(injector.app, review);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, patchType: 'JSONPatch' } });
    const pod = applyJsonPatch(review.request.object as Pod, decodePatch(answer));
    expect(pod.spec!.initContainers!.map((c) => [c.name, c.image, c.restartPolicy])).toEqual([['cache-sidecar', 'ghcr.io/pilotfish/pilotfish:test', 'Always'], ['llm-proxy', 'ghcr.io/pilotfish/pilotfish:test', 'Always']]);
    expect(pod.metadata!.name).toBeUndefined();
    expect(pod.spec!.containers![0].env!.map((e) => e.name)).toEqual(['PORT', 'CACHE_SIDECAR_URL', 'LLM_PROXY_URL', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL']);
  });

  it('answers a dryRun review with the same patch, and a review with oldObject absent', async () => {
    const wet = await post(injector.app, podReview(annotated()));
    const dryReview = podReview(annotated(), { dryRun: true });
    delete (dryReview.request as Record<string, unknown>).oldObject;
    const dry = await post(injector.app, dryReview);
    expect(dry.body.response.allowed).toBe(true);
    expect(decodePatch(dry)).toEqual(decodePatch(wet));
  });

  it('leaves an injected pod alone when re-invoked', async () => {
    const review = podReview(annotated());
    const once = applyJsonPatch(review.request.object as Pod, decodePatch(await post(injector.app, review)));
    const again = await post(injector.app, podReview(once as Record<string, unknown>));
    expect(again.body.response).toEqual({ uid: expect.any(String), allowed: true });
  });

  it('admits a pod without the annotation unchanged', async () => {
    const answer = await post(injector.app, podReview(annotated({})));
    expect(answer.body.response).toEqual({ uid: expect.any(String), allowed: true });
  });

  it('denies a host-network pod with a status message saying why', async () => {
    const answer = await post(injector.app, podReview(annotated(undefined, { hostNetwork: true })));
    expect(answer.body.response).toEqual({ uid: expect.any(String), allowed: false, status: { code: 403, reason: 'Forbidden', message: expect.stringMatching(/hostNetwork/) } });
  });

  it('admits a Windows pod unchanged', async () => {
    const answer = await post(injector.app, podReview(annotated(undefined, { nodeSelector: { 'kubernetes.io/os': 'windows' } })));
    expect(answer.body.response).toEqual({ uid: expect.any(String), allowed: true });
  });

  it('admits an UPDATE unchanged (only CREATE is injected)', async () => {
    const answer = await post(injector.app, podReview(annotated(), { operation: 'UPDATE', name: 'web-1', oldObject: annotated() }));
    expect(answer.body.response).toEqual({ uid: expect.any(String), allowed: true });
  });

  it.each([
    ['a body that is not JSON', '{nope', {}, 400, 'invalid_json'],
    ['a v1beta1 review', { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }, {}, 400, 'invalid_review'],
    ['a Deployment instead of a Pod', podReview({}, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }), {}, 400, 'invalid_review'],
    ['form data', 'a=b', { contentType: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    ['another path', {}, { path: '/validate' }, 404, 'not_found'],
  ])('answers %s with a clear error', async (_what, body, options, status, code) => {
    const answer = await post(injector.app, body, options);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it('counts injections, refusals and skips, and times each review', async () => {
    const text = await (await fetch(`http://127.0.0.1:${injector.app.adminPort}/metrics`)).text();
    expect(text).toMatch(/pilotfish_injector_reviews_total\{outcome="injected",reason="injected"\} [1-9]/);
    expect(text).toMatch(/pilotfish_injector_reviews_total\{outcome="refused",reason="host_network"\} 1/);
    expect(text).toMatch(/pilotfish_injector_reviews_total\{outcome="skipped",reason="windows_node"\} 1/);
    expect(text).toMatch(/pilotfish_injector_reviews_total\{outcome="skipped",reason="already_injected"\} 1/);
    expect(text).toMatch(/pilotfish_injector_reviews_total\{outcome="error",reason="invalid_json"\} 1/);
    expect(text).toMatch(/pilotfish_injector_sidecars_injected_total\{sidecar="cache"\} [1-9]/);
    expect(text).toMatch(/pilotfish_injector_review_duration_seconds_count\{outcome="injected"\} [1-9]/);
    expect(text).toMatch(/pilotfish_injector_certificate_expiry_timestamp_seconds \d{10}/);
    const ready = await fetch(`http://127.0.0.1:${injector.app.adminPort}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('logs injections and refusals by pod, never the TLS key', () => {
    expect(injector.logs.text()).not.toContain('PRIVATE KEY');
    expect(injector.logs.text()).toContain('"msg":"sidecars injected"');
    expect(injector.logs.text()).toContain('"pod":"apps/web-5d8f9c7b6-*"');
    expect(injector.logs.text()).toContain('"reason":"host_network"');
  });
});
