import { AutoscalingV2Api, type KubeConfig } from '@kubernetes/client-node';
import type { TargetRef } from './scale.ts';

/**
 * Finds a HorizontalPodAutoscaler that targets the same workload: two
 * autoscalers on one Deployment fight, so the controller refuses to act
 * while one exists.
 */
export class HpaDetector {
  readonly #api: AutoscalingV2Api;

  constructor(kc: KubeConfig) {
    this.#api = kc.makeApiClient(AutoscalingV2Api);
  }

  /** The name of the first HPA in `namespace` targeting `ref`, or undefined. */
  async conflicting(namespace: string, ref: TargetRef): Promise<string | undefined> {
    const list = await this.#api.listNamespacedHorizontalPodAutoscaler({ namespace });
    const group = (v: string) => (v.includes('/') ? v.split('/')[0] : '');
    const hit = list.items.find((h) => {
      const t = h.spec?.scaleTargetRef;
      return t && t.kind === ref.kind && t.name === ref.name && group(t.apiVersion ?? '') === group(ref.apiVersion);
    });
    return hit?.metadata?.name;
  }
}
