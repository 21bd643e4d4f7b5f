/**
 * Where each pod's injection config comes from: the injector's own defaults
 * (its image), the release's ConfigMap mounted as a file, and the
 * `pilotfish-injection` ConfigMap of the pod's namespace, merged and
 * validated by pkg/inject. Namespace reads are cached for `cacheTtlMs`
 * (failures are not), so a burst of pods costs the API server one read.
 */
import { readFile } from 'node:fs/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { isNotFound, ttlCache } from '#pkg/k8s/index.ts';
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
  /** How long a namespace's config is reused (pkg/k8s ttlCache: fresh through exactly this age). Default 30 000 ms; 0 reads every time. */
  cacheTtlMs?: number;
  /** Namespaces whose config is kept; past it the least recently used goes. Default 10 000. */
  cacheMax?: number;
  /** Clock in ms. It must read above 0: lru-cache takes a start time of 0 for "no TTL". Default `performance.now`. */
  now?: () => number;
}

export class InjectionConfigSource {
  readonly #o: ConfigSourceOptions;
  readonly #read: (namespace: string) => Promise<InjectionConfig | InjectionConfigError>;

  constructor(options: ConfigSourceOptions) {
    this.#o = options;
    this.#read = ttlCache(options.cacheTtlMs ?? 30_000, (namespace: string) => this.#load(namespace), (namespace) => namespace, { max: options.cacheMax, now: options.now });
  }

  /**
   * The config for a pod in `namespace`, or the InjectionConfigError of an
   * invalid one (refused per pod, with the message). Throws only when the API
   * server or the file cannot be read.
   */
  forNamespace(namespace: string): Promise<InjectionConfig | InjectionConfigError> {
    return this.#read(namespace);
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
