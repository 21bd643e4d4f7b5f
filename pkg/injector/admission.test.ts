import { describe, expect, it } from 'vitest';
import { admissionResponse, admitWithWarning, parseAdmissionReview, podDisplayName } from './admission.ts';

function review(request: Record<string, unknown>) {
  return {
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' }, requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: '', namespace: 'apps', operation: 'CREATE', userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-5d8f-' }, spec: { containers: [{ name: 'app' }] } },
      oldObject: null, dryRun: false, options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...request,
    },
  };
}

describe('parseAdmissionReview', () => {
  it('reads a ReplicaSet pod: no name, oldObject null, namespace from the request', () => {
    const r = parseAdmissionReview(review({}));
    expect(r).toMatchObject({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', namespace: 'apps', operation: 'CREATE', dryRun: false });
    expect(podDisplayName(r)).toBe('apps/web-5d8f-*');
  });

  it('reads dryRun and a pod with oldObject absent', () => {
    const body = review({ dryRun: true });
    delete (body.request as Record<string, unknown>).oldObject;
    expect(parseAdmissionReview(body).dryRun).toBe(true);
  });

  it.each([
    [{ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1beta1', request: {} }, /speaks admission.k8s.io\/v1/],
    [{ kind: 'Pod' }, /expected an AdmissionReview/],
    [{ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' }, /request is missing/],
    [review({ uid: '' }), /uid is missing/],
    [review({ kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }), /expected a core\/v1 Pod/],
    [review({ object: null }), /object is missing/],
  ])('refuses %j', (body, message) => {
    expect(() => parseAdmissionReview(body)).toThrow(message);
  });
});

describe('admissionResponse', () => {
  it('carries the patch base64-encoded as JSONPatch, echoing the uid', () => {
    const out = admissionResponse('u1', { patch: [{ op: 'add', path: '/a', value: 1 }], injected: ['cache'] });
    expect(out).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u1', allowed: true, patchType: 'JSONPatch', patch: expect.any(String) } });
    expect(JSON.parse(Buffer.from(out.response.patch!, 'base64').toString())).toEqual([{ op: 'add', path: '/a', value: 1 }]);
  });

  it('admits a skipped pod unchanged and denies a refused one with its message', () => {
    expect(admissionResponse('u2', { skip: { code: 'windows_node', message: 'x' } }).response).toEqual({ uid: 'u2', allowed: true });
    expect(admissionResponse('u3', { refuse: { code: 'host_network', message: 'no hostNetwork' } }).response)
      .toEqual({ uid: 'u3', allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no hostNetwork' } });
  });

  it('admits with a bounded warning', () => {
    expect(admitWithWarning('u4', 'x'.repeat(1000)).response.warnings![0]).toHaveLength(512);
  });
});
