/**
 * The QueueAutoscalers' last decisions, read from the Kubernetes API (the
 * status the controller writes). Without a cluster the page says so instead
 * of waiting for a connection that cannot come.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '#pkg/autoscaler/index.ts';
import { loadKubeConfig } from '#pkg/k8s/index.ts';

/** The most autoscalers one overview lists. */
const LIST_LIMIT = 200;

export interface AutoscalerReader {
  /** The namespace read; null: every namespace the app may list. */
  readonly namespace: string | null;
  /** The raw list answer (`{items: [...]}`). */
  list(): Promise<unknown>;
}

export function autoscalerReader(kc: KubeConfig, namespace: string | null): AutoscalerReader {
  const api = kc.makeApiClient(CustomObjectsApi);
  let inFlight: Promise<unknown> | null = null;
  return {
    namespace,
    // One request at a time: a hung API server must not collect a request per poll per open page.
    list() {
      inFlight ??= (namespace
        ? api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, limit: LIST_LIMIT })
        : api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, limit: LIST_LIMIT })
      ).finally(() => { inFlight = null; });
      return inFlight;
    },
  };
}

/** Whether a cluster is configured at all: in a pod, or a kubeconfig file that exists (pure over its inputs). */
export function clusterConfigured(env: NodeJS.ProcessEnv, fileExists: (path: string) => boolean, home: string): boolean {
  if (env.KUBERNETES_SERVICE_HOST) return true;
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(home, '.kube', 'config')];
  return files.some(fileExists);
}

/** The default KubeConfig: client-node's own discovery when a cluster is configured, else null ("no cluster"). */
export function defaultKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig | null {
  if (!clusterConfigured(env, existsSync, homedir())) return null;
  try {
    return loadKubeConfig();
  } catch {
    return null;
  }
}
