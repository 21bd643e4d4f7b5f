/**
 * admission.k8s.io/v1 AdmissionReview in and out, pure. The request is read
 * as the API server sends it: `object` always, `oldObject` absent on CREATE,
 * `name` empty for pods of a ReplicaSet (generateName), `dryRun` true for
 * `kubectl apply --dry-run=server` (the answer is the same: this webhook has
 * no side effects).
 */
import type { InjectionResult, Pod } from '#pkg/inject/index.ts';

export interface AdmissionRequest {
  uid: string;
  namespace: string;
  operation: string;
  dryRun: boolean;
  pod: Pod;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  patch?: string;
  status?: { code: number; message: string; reason?: string };
  warnings?: string[];
}

export interface AdmissionReviewOut {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws an Error with a message fit for a 400 answer when the body is not a pod AdmissionReview v1 request. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isObject(body) || body.kind !== 'AdmissionReview') throw new Error('expected an AdmissionReview');
  if (body.apiVersion !== 'admission.k8s.io/v1') throw new Error(`unsupported apiVersion ${JSON.stringify(body.apiVersion)}: this webhook speaks admission.k8s.io/v1 (set admissionReviewVersions: [v1])`);
  const req = body.request;
  if (!isObject(req)) throw new Error('AdmissionReview.request is missing');
  if (typeof req.uid !== 'string' || req.uid === '') throw new Error('request.uid is missing');
  const kind = isObject(req.kind) ? req.kind : {};
  if (kind.kind !== 'Pod' || (kind.group ?? '') !== '' || kind.version !== 'v1') throw new Error(`expected a core/v1 Pod, got ${JSON.stringify(kind)}`);
  if (!isObject(req.object)) throw new Error('request.object is missing');
  const pod = req.object as Pod;
  // The API server fills request.namespace; the object of a pod being created may leave it out.
  const namespace = typeof req.namespace === 'string' && req.namespace !== '' ? req.namespace : (pod.metadata?.namespace ?? '');
  return { uid: req.uid, namespace, operation: String(req.operation ?? ''), dryRun: req.dryRun === true, pod };
}

/** The answer for one decision: a patch, an unchanged admission, or a denial with the reason. */
export function admissionResponse(uid: string, result: InjectionResult): AdmissionReviewOut {
  let response: AdmissionResponse;
  if ('patch' in result) {
    response = { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(result.patch)).toString('base64') };
  } else if ('refuse' in result) {
    response = { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message: result.refuse.message } };
  } else {
    response = { uid, allowed: true };
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

/** Admitted unchanged with a warning the client sees (`kubectl` prints it), for a failure on this side. */
export function admitWithWarning(uid: string, warning: string): AdmissionReviewOut {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true, warnings: [warning.slice(0, 512)] } };
}

/** A name for logs: pods of a ReplicaSet have only a generateName at admission time. */
export function podDisplayName(req: AdmissionRequest): string {
  const m = req.pod.metadata ?? {};
  return `${req.namespace}/${m.name || `${m.generateName ?? ''}*`}`;
}
