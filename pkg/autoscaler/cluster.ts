import type { KubeConfig } from '@kubernetes/client-node';
import { EventRecorder, HpaDetector, ScaleClient, SecretReader, StatusWriter, ttlCache, type InvolvedObject, type ScaleReading, type TargetRef } from '#pkg/k8s/index.ts';
import { GROUP, PLURAL, VERSION } from './types.ts';

/** The cluster operations the reconciler needs, so a dry run from a file can stand in for a cluster. */
export interface Cluster {
  readScale(namespace: string, ref: TargetRef): Promise<ScaleReading>;
  /** Rejects with a 409 Conflict when the workload is no longer at `resourceVersion`. */
  setReplicas(namespace: string, ref: TargetRef, replicas: number, resourceVersion?: string): Promise<void>;
  patchStatus(namespace: string, name: string, status: object): Promise<void>;
  event(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
  conflictingHpa(namespace: string, ref: TargetRef): Promise<string | undefined>;
  readSecret(namespace: string, name: string, key: string): Promise<string | undefined>;
}

export interface KubeClusterOptions {
  /** Field manager of scale and status writes. Default `pilotfish-controller`. */
  fieldManager?: string;
  /** Reporting instance of Events. Default: the host name. */
  instance?: string;
  /**
   * How long a Secret value and a namespace's HPA list are reused, so each
   * poll does not cost the API server two extra reads. Default 30 000 ms; 0
   * reads every time. A failed read is never cached.
   */
  cacheTtlMs?: number;
}

export function kubeCluster(kc: KubeConfig, options: KubeClusterOptions = {}): Cluster {
  const scale = new ScaleClient(kc, options);
  const status = new StatusWriter(kc, { group: GROUP, version: VERSION, plural: PLURAL }, options);
  const events = new EventRecorder(kc, { instance: options.instance });
  const ttl = options.cacheTtlMs ?? 30_000;
  const hpaDetector = new HpaDetector(kc);
  const secretReader = new SecretReader(kc);
  const hpa = { conflicting: ttlCache(ttl, (ns: string, ref: TargetRef) => hpaDetector.conflicting(ns, ref), (ns, ref) => `${ns}/${ref.apiVersion}/${ref.kind}/${ref.name}`) };
  const secrets = { read: ttlCache(ttl, (ns: string, name: string, key: string) => secretReader.read(ns, name, key), (ns, name, key) => `${ns}/${name}/${key}`) };
  return {
    readScale: (ns, ref) => scale.read(ns, ref),
    setReplicas: (ns, ref, n, rv) => scale.setReplicas(ns, ref, n, rv),
    patchStatus: (ns, name, s) => status.patch(ns, name, s),
    event: async (obj, type, reason, message) => { await events.record(obj, type, reason, message); },
    conflictingHpa: (ns, ref) => hpa.conflicting(ns, ref),
    readSecret: (ns, name, key) => secrets.read(ns, name, key),
  };
}
