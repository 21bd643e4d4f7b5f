import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** Reads one key of a Secret (the Redis URL a QueueAutoscaler names). */
export class SecretReader {
  readonly #api: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.#api = kc.makeApiClient(CoreV1Api);
  }

  /** The decoded value, or undefined when the key is absent. Throws on API errors (404 when the Secret is missing). */
  async read(namespace: string, name: string, key: string): Promise<string | undefined> {
    const secret = await this.#api.readNamespacedSecret({ name, namespace });
    const encoded = secret.data?.[key];
    if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8');
    return secret.stringData?.[key];
  }
}
