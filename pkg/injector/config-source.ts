/**
 * Where each pod's injection config comes from: the injector's own defaults
 * (its image), the release's ConfigMap mounted as a file, and the
 * `pilotfish-injection` ConfigMap of the pod's namespace, merged and
 * validated by pkg/inject. Namespace reads are cached for `cacheTtlMs`
 * (failures are not), so a burst of pods costs the API server one read.
 */
import { readFile } from 'node:fs/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from '#pkg/k8s/index.ts';
import { InjectionConfigError, parseConfigLayer, resolveInjectionConfig, type InjectionConfig } from '#pkg/inject/index.ts';

/** Reads the YAML of the namespace's config; undefined when the namespace has none. */
export type NamespaceConfigReader = (namespace: string) => Promise<string | undefined>;

export const CONFIG_KEY = 'config.yaml';

/** Reads key `config.yaml` of ConfigMap `name` in each namespace; 404 is "none". */
export function configMapReader(kc: KubeConfig, name: string): NamespaceConfigReader {
  const api = kc.makeApiClient(CoreV1Api);
  return async (namespace) => {
    try {
      const cm = await api.readNamespacedConfigMap({ name, namespace });
      return cm.data?.[CONFIG_KEY] ?? '';
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}

export interface ConfigSourceOptions {
  /** The sidecar image (the injector's own, so both move together). */
  image: string;
  /** The release-wide config file (YAML, same shape); empty: none. */
  clusterConfigFile?: string;
  /** The namespaced ConfigMap's name, for error messages. */
  configMapName: string;
  readNamespace: NamespaceConfigReader;
  cacheTtlMs?: number;
  now?: () => number;
}

export class InjectionConfigSource {
  readonly #o: ConfigSourceOptions;
  readonly #cache = new Map<string, { at: number; value: Promise<InjectionConfig | InjectionConfigError> }>();

  constructor(options: ConfigSourceOptions) {
    this.#o = options;
  }

  /**
   * The config for a pod in `namespace`, or the InjectionConfigError of an
   * invalid one (refused per pod, with the message). Throws only when the API
   * server or the file cannot be read.
   */
  forNamespace(namespace: string): Promise<InjectionConfig | InjectionConfigError> {
    const now = (this.#o.now ?? Date.now)();
    const ttl = this.#o.cacheTtlMs ?? 30_000;
    const hit = this.#cache.get(namespace);
    if (hit && now - hit.at < ttl) return hit.value;
    const value = this.#load(namespace);
    this.#cache.set(namespace, { at: now, value });
    if (this.#cache.size > 10_000) this.#cache.clear();
    value.catch(() => { if (this.#cache.get(namespace)?.value === value) this.#cache.delete(namespace); });
    return value;
  }

  async #load(namespace: string): Promise<InjectionConfig | InjectionConfigError> {
    const clusterText = this.#o.clusterConfigFile ? await readFile(this.#o.clusterConfigFile, 'utf8') : '';
    const nsText = await this.#o.readNamespace(namespace);
    const source = nsText === undefined ? (this.#o.clusterConfigFile ?? 'defaults') : `ConfigMap ${namespace}/${this.#o.configMapName}`;
    try {
      const layers = [{ image: this.#o.image }, parseConfigLayer(clusterText, this.#o.clusterConfigFile ?? 'defaults')];
      if (nsText !== undefined) layers.push(parseConfigLayer(nsText, `ConfigMap ${namespace}/${this.#o.configMapName}`));
      return resolveInjectionConfig(layers, source);
    } catch (err) {
      if (err instanceof InjectionConfigError) return err;
      throw err;
    }
  }
}
