import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

export interface TargetRef { apiVersion: string; kind: string; name: string }

export interface ScaleReading {
  /** `spec.replicas` of the scale subresource. */
  replicas: number;
  /** Ready pods when the kind reports them (Deployment, StatefulSet); else `status.replicas`. */
  readyReplicas: number;
  resourceVersion?: string;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Reads and sets replica counts through the scale subresource, for
 * Deployments and StatefulSets (apps/v1) and for any custom resource with a
 * scale subresource (its plural guessed from the kind: see `plural`). Writes
 * are merge patches carrying the resourceVersion that was read, so a
 * concurrent change answers 409 Conflict. A conflict is not retried here: it
 * means another writer changed the workload, and the count to write must be
 * decided again on a fresh read (the reconciler does that), not pushed over
 * the other writer's change.
 */
export class ScaleClient {
  readonly #apps: AppsV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #fieldManager: string;

  constructor(kc: KubeConfig, options: { fieldManager?: string } = {}) {
    this.#apps = kc.makeApiClient(AppsV1Api);
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#fieldManager = options.fieldManager ?? 'pilotfish-controller';
  }

  async read(namespace: string, ref: TargetRef): Promise<ScaleReading> {
    const { name } = ref;
    if (ref.kind === 'Deployment' && isApps(ref)) {
      const [scale, dep] = await Promise.all([
        this.#apps.readNamespacedDeploymentScale({ name, namespace }),
        this.#apps.readNamespacedDeployment({ name, namespace }),
      ]);
      return { replicas: scale.spec?.replicas ?? 0, readyReplicas: dep.status?.readyReplicas ?? 0, resourceVersion: scale.metadata?.resourceVersion };
    }
    if (ref.kind === 'StatefulSet' && isApps(ref)) {
      const [scale, sts] = await Promise.all([
        this.#apps.readNamespacedStatefulSetScale({ name, namespace }),
        this.#apps.readNamespacedStatefulSet({ name, namespace }),
      ]);
      return { replicas: scale.spec?.replicas ?? 0, readyReplicas: sts.status?.readyReplicas ?? 0, resourceVersion: scale.metadata?.resourceVersion };
    }
    const { group, version } = splitApiVersion(ref.apiVersion);
    const scale = (await this.#custom.getNamespacedCustomObjectScale({ group, version, namespace, plural: plural(ref.kind), name })) as {
      spec?: { replicas?: number }; status?: { replicas?: number }; metadata?: { resourceVersion?: string };
    };
    return { replicas: scale.spec?.replicas ?? 0, readyReplicas: scale.status?.replicas ?? 0, resourceVersion: scale.metadata?.resourceVersion };
  }

  /** Sets `spec.replicas` if the object is still at `resourceVersion` (when given); a 409 Conflict is thrown to the caller. */
  async setReplicas(namespace: string, ref: TargetRef, replicas: number, resourceVersion?: string): Promise<void> {
    await this.#patch(namespace, ref, { metadata: resourceVersion ? { resourceVersion } : undefined, spec: { replicas } });
  }

  async #patch(namespace: string, ref: TargetRef, body: object): Promise<void> {
    const { name } = ref;
    const fieldManager = this.#fieldManager;
    if (ref.kind === 'Deployment' && isApps(ref)) {
      await this.#apps.patchNamespacedDeploymentScale({ name, namespace, body, fieldManager }, MERGE);
    } else if (ref.kind === 'StatefulSet' && isApps(ref)) {
      await this.#apps.patchNamespacedStatefulSetScale({ name, namespace, body, fieldManager }, MERGE);
    } else {
      const { group, version } = splitApiVersion(ref.apiVersion);
      await this.#custom.patchNamespacedCustomObjectScale({ group, version, namespace, plural: plural(ref.kind), name, body, fieldManager }, MERGE);
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

/**
 * The resource name of a custom kind, as kubebuilder and most CRDs spell it
 * for a regular English noun: lowercased, then `-s`, `-x`, `-z`, `-ch`, `-sh`
 * take `es`, a consonant before `y` becomes `ies`, everything else takes `s`
 * (Gateway → gateways, Policy → policies, Ingress → ingresses). A CRD with
 * an irregular plural cannot be a scale target.
 */
export function plural(kind: string): string {
  const k = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}
