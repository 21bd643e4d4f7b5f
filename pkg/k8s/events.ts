import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { LRUCache } from 'lru-cache';

export interface InvolvedObject { apiVersion: string; kind: string; name: string; namespace: string; uid?: string }

export interface EventRecorderOptions {
  /** `source.component` and `reportingController`. Default `pilotfish-controller`. */
  component?: string;
  /** Reporting instance (the pod name). Default: the host name. */
  instance?: string;
  /** An identical event (object, reason, message) is not repeated within this window. Default 300 000 ms. */
  dedupeMs?: number;
  /** Distinct events remembered for deduplication; past it the least recently recorded is forgotten. Default 10 000. */
  maxRemembered?: number;
  /** Wall clock in ms (it stamps the Event, and must read above 0: lru-cache takes a start time of 0 for "no TTL"). Default `Date.now`. */
  now?: () => number;
}

/**
 * Records core/v1 Events on an object, as `kubectl describe` shows them.
 * Identical events within `dedupeMs` are dropped (one still `dedupeMs` old
 * too: lru-cache expires an entry after its TTL, not at it), so a steady
 * error does not flood the API server.
 */
export class EventRecorder {
  readonly #api: CoreV1Api;
  readonly #component: string;
  readonly #instance: string;
  readonly #now: () => number;
  readonly #recent: LRUCache<string, true>;

  constructor(kc: KubeConfig, options: EventRecorderOptions = {}) {
    this.#api = kc.makeApiClient(CoreV1Api);
    this.#component = options.component ?? 'pilotfish-controller';
    this.#instance = options.instance ?? process.env.HOSTNAME ?? 'controller';
    this.#now = options.now ?? Date.now;
    this.#recent = new LRUCache<string, true>({
      max: options.maxRemembered ?? 10_000,
      ttl: options.dedupeMs ?? 300_000,
      // Read the clock on every check: the default caches "now" for 1 ms of real time, which an injected clock would not see move.
      ttlResolution: 0,
      perf: { now: this.#now },
    });
  }

  /** Returns false when deduplicated. Errors are thrown for the caller to count. */
  async record(obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<boolean> {
    const now = this.#now();
    const key = `${obj.namespace}/${obj.name}/${reason}/${message}`;
    if (this.#recent.has(key)) return false;
    this.#recent.set(key, true);
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
