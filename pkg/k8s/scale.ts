import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { isConflict } from './errors.ts';

export interface TargetRef { apiVersion: string; kind: string; name: string }

export interface ScaleReading {
  /** `spec.replicas` of the scale subresource. */
  replicas: number;
  /** Ready pods when the kind reports them (Deployment, StatefulSet); else `status.replicas`. */
  readyReplicas: number;
  resourceVersion?: string;
}

export interface ScaleResult { replicas: number; attempts: number }

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Reads and sets replica counts through the scale subresource, for
 * Deployments and StatefulSets (apps/v1) and for any custom resource with a
 * scale subresource (plural taken as the lowercased kind + "s"). Writes are
 * merge patches carrying the resourceVersion that was read, so a concurrent
 * change answers 409; the write is then retried on a fresh read.
 */
export class ScaleClient {
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly fieldManager: string;
  /** Attempts on 409 Conflict. Default 3. */
  private readonly maxAttempts: number;

  constructor(kc: KubeConfig, options: { fieldManager?: string; maxAttempts?: number } = {}) {
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.fieldManager = options.fieldManager ?? 'pilotfish-controller';
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  async read(namespace: string, ref: TargetRef): Promise<ScaleReading> {
    const { name } = ref;
    if (ref.kind === 'Deployment' && isApps(ref)) {
      const [scale, dep] = await Promise.all([
        this.apps.readNamespacedDeploymentScale({ name, namespace }),
        this.apps.readNamespacedDeployment({ name, namespace }),
      ]);
      return { replicas: scale.spec?.replicas ?? 0, readyReplicas: dep.status?.readyReplicas ?? 0, resourceVersion: scale.metadata?.resourceVersion };
    }
    if (ref.kind === 'StatefulSet' && isApps(ref)) {
      const [scale, sts] = await Promise.all([
        this.apps.readNamespacedStatefulSetScale({ name, namespace }),
        this.apps.readNamespacedStatefulSet({ name, namespace }),
      ]);
      return { replicas: scale.spec?.replicas ?? 0, readyReplicas: sts.status?.readyReplicas ?? 0, resourceVersion: scale.metadata?.resourceVersion };
    }
    const { group, version } = splitApiVersion(ref.apiVersion);
    const scale = (await this.custom.getNamespacedCustomObjectScale({ group, version, namespace, plural: plural(ref.kind), name })) as {
      spec?: { replicas?: number }; status?: { replicas?: number }; metadata?: { resourceVersion?: string };
    };
    return { replicas: scale.spec?.replicas ?? 0, readyReplicas: scale.status?.replicas ?? 0, resourceVersion: scale.metadata?.resourceVersion };
  }

  /** Sets `spec.replicas`, retrying on 409 with a fresh resourceVersion. */
  async setReplicas(namespace: string, ref: TargetRef, replicas: number, resourceVersion?: string): Promise<ScaleResult> {
    let rv = resourceVersion;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.patch(namespace, ref, { metadata: rv ? { resourceVersion: rv } : undefined, spec: { replicas } });
        return { replicas, attempts: attempt };
      } catch (err) {
        if (!isConflict(err) || attempt >= this.maxAttempts) throw err;
        rv = (await this.read(namespace, ref)).resourceVersion;
      }
    }
  }

  private async patch(namespace: string, ref: TargetRef, body: object): Promise<void> {
    const { name } = ref;
    const fieldManager = this.fieldManager;
    if (ref.kind === 'Deployment' && isApps(ref)) {
      await this.apps.patchNamespacedDeploymentScale({ name, namespace, body, fieldManager }, MERGE);
    } else if (ref.kind === 'StatefulSet' && isApps(ref)) {
      await this.apps.patchNamespacedStatefulSetScale({ name, namespace, body, fieldManager }, MERGE);
    } else {
      const { group, version } = splitApiVersion(ref.apiVersion);
      await this.custom.patchNamespacedCustomObjectScale({ group, version, namespace, plural: plural(ref.kind), name, body, fieldManager }, MERGE);
    }
  }
}

function isApps(ref: TargetRef): boolean {
  return ref.apiVersion === 'apps/v1';
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function plural(kind: string): string {
  const k = kind.toLowerCase();
  return k.endsWith('s') ? `${k}es` : k.endsWith('y') ? `${k.slice(0, -1)}ies` : `${k}s`;
}
