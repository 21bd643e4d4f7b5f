import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

export interface CustomResourceRef { group: string; version: string; plural: string }

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Writes `status` of a custom resource through its status subresource with a merge patch. */
export class StatusWriter {
  readonly #api: CustomObjectsApi;
  readonly #ref: CustomResourceRef;
  readonly #fieldManager: string;

  constructor(kc: KubeConfig, ref: CustomResourceRef, options: { fieldManager?: string } = {}) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
    this.#ref = ref;
    this.#fieldManager = options.fieldManager ?? 'pilotfish-controller';
  }

  async patch(namespace: string, name: string, status: object): Promise<void> {
    await this.#api.patchNamespacedCustomObjectStatus(
      { ...this.#ref, namespace, name, body: { status }, fieldManager: this.#fieldManager },
      MERGE,
    );
  }
}
