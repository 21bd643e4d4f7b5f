/**
 * The slice of a core/v1 Pod the injector reads and writes, as plain JSON
 * (the shape an AdmissionReview carries; client-node's classes turn
 * timestamps into Dates, which a patch must not do).
 */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; [k: string]: unknown };
}

interface ContainerPort { name?: string; containerPort: number; protocol?: string; [k: string]: unknown }

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  envFrom?: unknown[];
  ports?: ContainerPort[];
  restartPolicy?: string;
  [k: string]: unknown;
}

interface Volume { name: string; [k: string]: unknown }

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  nodeSelector?: Record<string, string>;
  [k: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; generateName?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; [k: string]: unknown };
  spec?: PodSpec;
  [k: string]: unknown;
}

/** RFC 6902 operations the injector emits. */
export type JsonPatchOp =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown };

export type Sidecar = 'cache' | 'llm';
export const SIDECARS: readonly Sidecar[] = ['cache', 'llm'];

/** Container names of the injected sidecars (the chart's names, so a hand-written pod counts as injected too). */
export const SIDECAR_CONTAINER: Record<Sidecar, string> = { cache: 'cache-sidecar', llm: 'llm-proxy' };

/** A stable, bounded reason (`code`, a metric label) with a message for people. */
interface Reason { code: string; message: string }

export type InjectionResult =
  | { patch: JsonPatchOp[]; injected: Sidecar[] }
  | { skip: Reason }
  | { refuse: Reason };
