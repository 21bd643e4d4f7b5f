import { makeInformer, type KubeConfig, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import type { Logger } from '#pkg/log/index.ts';

export interface WatchedInformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. `/apis/autoscaling.pilotfish.dev/v1alpha1/queueautoscalers`. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  logger: Logger;
  /** First restart delay after a watch or list error. Default 1000 ms; doubles to `maxBackoffMs`. */
  backoffMs?: number;
  /** Default 30 000 ms. */
  maxBackoffMs?: number;
  /** Called on add, update and delete with the object (deleted: `deleted` true). */
  onChange: (obj: T, deleted: boolean) => void;
}

/**
 * client-node's informer (list, then watch from the list's resourceVersion;
 * relists on 410 Gone) with what it lacks: it stops for good on any other
 * error, so this restarts it with a capped exponential backoff; and a
 * `synced` promise for the first list.
 */
export class WatchedInformer<T extends KubernetesObject> {
  readonly #informer;
  readonly #options: WatchedInformerOptions<T>;
  #stopped = false;
  #delay: number;
  #timer?: NodeJS.Timeout;
  #syncedResolve?: () => void;
  readonly synced: Promise<void>;

  constructor(options: WatchedInformerOptions<T>) {
    this.#options = options;
    this.#delay = options.backoffMs ?? 1000;
    this.synced = new Promise((resolve) => { this.#syncedResolve = resolve; });
    const list = async () => {
      const result = await options.list();
      this.#delay = options.backoffMs ?? 1000;
      queueMicrotask(() => this.#syncedResolve?.());
      return result;
    };
    this.#informer = makeInformer<T>(options.kubeConfig, options.path, list);
    this.#informer.on('add', (o) => options.onChange(o, false));
    this.#informer.on('update', (o) => options.onChange(o, false));
    this.#informer.on('delete', (o) => options.onChange(o, true));
    this.#informer.on('error', (err) => this.#restartLater(err));
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#informer.start();
  }

  list(): readonly T[] {
    return this.#informer.list();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#informer.stop();
  }

  #restartLater(err: unknown): void {
    if (this.#stopped) return;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, this.#options.maxBackoffMs ?? 30_000);
    this.#options.logger.warn({ err: String(err), delayMs: delay }, 'informer stopped on an error; restarting');
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (!this.#stopped) this.#informer.start().catch((e: unknown) => this.#restartLater(e));
    }, delay);
    this.#timer.unref();
  }
}
