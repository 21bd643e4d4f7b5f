import { CustomObjectsApi, type KubeConfig, type KubernetesListObject } from '@kubernetes/client-node';
import type { Logger } from '#pkg/log/index.ts';
import { WatchedInformer } from '#pkg/k8s/index.ts';
import type { ObjectSource } from './controller.ts';
import type { QueueAutoscalerObject } from './object.ts';
import { GROUP, PLURAL, VERSION } from './types.ts';

/** QueueAutoscalers from the cluster, all namespaces or one, through a watched informer. */
export function informerSource(kc: KubeConfig, logger: Logger, options: { namespace?: string } = {}): ObjectSource {
  const api = kc.makeApiClient(CustomObjectsApi);
  const ns = options.namespace;
  const path = ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
  let informer: WatchedInformer<QueueAutoscalerObject & { metadata: object }> | undefined;
  let synced = false;
  return {
    synced: () => synced,
    async start(onChange) {
      informer = new WatchedInformer({
        kubeConfig: kc,
        path,
        logger,
        list: async () => (ns
          ? await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
          : await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as KubernetesListObject<QueueAutoscalerObject & { metadata: object }>,
        onChange,
      });
      void informer.synced.then(() => { synced = true; });
      await informer.start();
    },
    async stop() {
      await informer?.stop();
    },
  };
}

/** A fixed set of objects (dry run from a file). */
export function staticSource(objects: readonly QueueAutoscalerObject[]): ObjectSource {
  return {
    synced: () => true,
    async start(onChange) {
      for (const o of objects) onChange(o, false);
    },
    async stop() {},
  };
}
