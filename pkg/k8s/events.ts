import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface InvolvedObject { apiVersion: string; kind: string; name: string; namespace: string; uid?: string }

export interface EventRecorderOptions {
  /** `source.component` and `reportingController`. Default `pilotfish-controller`. */
  component?: string;
  /** Reporting instance (the pod name). Default: the host name. */
  instance?: string;
  /** An identical event (object, reason, message) is not repeated within this window. Default 300 000 ms. */
  dedupeMs?: number;
  now?: () => number;
}

/**
 * Records core/v1 Events on an object, as `kubectl describe` shows them.
 * Identical events within `dedupeMs` are dropped, so a steady error does not
 * flood the API server.
 */
export class EventRecorder {
  readonly #api: CoreV1Api;
  readonly #component: string;
  readonly #instance: string;
  readonly #dedupeMs: number;
  readonly #now: () => number;
  readonly #recent = new Map<string, number>();

  constructor(kc: KubeConfig, options: EventRecorderOptions = {}) {
    this.#api = kc.makeApiClient(CoreV1Api);
    this.#component = options.component ?? 'pilotfish-controller';
    this.#instance = options.instance ?? process.env.HOSTNAME ?? 'controller';
    this.#dedupeMs = options.dedupeMs ?? 300_000;
    this.#now = options.now ?? Date.now;
  }

  /** Returns false when deduplicated. Errors are thrown for the caller to count. */
  async record(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<boolean> {
    const now = this.#now();
    const key = `${obj.namespace}/${obj.name}/${reason}/${message}`;
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < this.#dedupeMs) return false;
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) this.#recent.clear();
    const time = new Date(now);
    await this.#api.createNamespacedEvent({
      namespace: obj.namespace,
      body: {
        metadata: { generateName: `${obj.name}.`, namespace: obj.namespace },
        involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.name, namespace: obj.namespace, uid: obj.uid },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: this.#component },
        reportingComponent: this.#component,
        reportingInstance: this.#instance,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      },
    });
    return true;
  }
}
