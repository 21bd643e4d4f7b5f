import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { Logger } from '#pkg/log/index.ts';
import type { Cluster } from './cluster.ts';
import { AutoscalerError } from './errors.ts';
import type { QueueAutoscalerObject } from './object.ts';
import { KIND } from './types.ts';

interface Doc { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { replicas?: number }; data?: Record<string, string>; stringData?: Record<string, string> }

export interface SpecFile {
  objects: QueueAutoscalerObject[];
  cluster: Cluster;
}

/**
 * A dry run with no cluster: QueueAutoscalers (and optionally the Secrets
 * and Deployments they name) from a multi-document YAML file. Replica
 * counts live in memory, starting from the file's Deployment or at
 * `minReplicas`; every would-be scale, status and Event is logged instead
 * of written. A Secret absent from the file falls back to `fallbackRedisUrl`.
 */
export async function loadSpecFile(path: string, logger: Logger, options: { fallbackRedisUrl?: string } = {}): Promise<SpecFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AutoscalerError('SPEC_FILE_UNREADABLE', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const docs = parseAllDocuments(text);
  const values: Doc[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new AutoscalerError('SPEC_FILE_INVALID', `${path}: ${d.errors[0].message}`);
    const v = d.toJS() as Doc | null;
    if (v) values.push(v);
  }
  const objects = values.filter((d) => d.kind === KIND).map((d, i) => ({
    ...d,
    metadata: { namespace: 'default', generation: 1, uid: `file-${i}`, ...d.metadata },
  })) as QueueAutoscalerObject[];
  if (objects.length === 0) throw new AutoscalerError('SPEC_FILE_EMPTY', `${path} holds no ${KIND}`);
  const key = (ns: string | undefined, name: string | undefined) => `${ns ?? 'default'}/${name ?? ''}`;
  const secrets = new Map<string, Record<string, string>>();
  const replicas = new Map<string, number>();
  for (const d of values) {
    if (d.kind === 'Secret') {
      const decoded = Object.fromEntries(Object.entries(d.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      secrets.set(key(d.metadata?.namespace, d.metadata?.name), { ...decoded, ...d.stringData });
    }
    if ((d.kind === 'Deployment' || d.kind === 'StatefulSet') && typeof d.spec?.replicas === 'number') replicas.set(key(d.metadata?.namespace, d.metadata?.name), d.spec.replicas);
  }
  for (const o of objects) {
    const spec = o.spec as { scaleTargetRef?: { name?: string }; minReplicas?: number } | undefined;
    const k = key(o.metadata?.namespace, spec?.scaleTargetRef?.name);
    if (!replicas.has(k)) replicas.set(k, spec?.minReplicas ?? 1);
  }
  const log = logger.child({ dryRun: true });
  const cluster: Cluster = {
    async readScale(ns, ref) {
      const n = replicas.get(key(ns, ref.name)) ?? 1;
      return { replicas: n, readyReplicas: n };
    },
    async setReplicas(ns, ref, n) {
      log.info({ namespace: ns, target: `${ref.kind}/${ref.name}`, from: replicas.get(key(ns, ref.name)), to: n }, 'would scale');
      replicas.set(key(ns, ref.name), n);
    },
    async patchStatus(ns, name, status) {
      log.debug({ namespace: ns, name, status }, 'would write status');
    },
    async event(obj, type, reason, message) {
      log.info({ namespace: obj.namespace, name: obj.name, type, reason }, `would record event: ${message}`);
    },
    async conflictingHpa() {
      return undefined;
    },
    async readSecret(ns, name, k) {
      return secrets.get(key(ns, name))?.[k] ?? options.fallbackRedisUrl;
    },
  };
  return { objects, cluster };
}
