import type { Logger } from '#pkg/log/index.ts';
import { objectKey, type QueueAutoscalerObject } from './object.ts';
import { intervalOf, newObjectState, type ObjectState, type Reconciler, type ReconcileResult } from './reconciler.ts';

/** Where QueueAutoscalers come from: an informer on the cluster, or a file for a dry run. */
export interface ObjectSource {
  start(onChange: (obj: QueueAutoscalerObject, deleted: boolean) => void): Promise<void>;
  stop(): Promise<void>;
  /** True once the first full list has been received. */
  synced(): boolean;
}

export interface ControllerOptions {
  source: ObjectSource;
  reconciler: Reconciler;
  logger: Logger;
  /** Only the leader reconciles; others keep their caches warm. Default: always leader. */
  isLeader?: () => boolean;
  /** Called after each poll of an object (for tests and the dry-run log). */
  onReconciled?: (key: string, result: ReconcileResult | undefined) => void;
}

interface Entry {
  obj: QueueAutoscalerObject;
  state: ObjectState;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  deleted?: boolean;
}

/**
 * Keeps one polling loop per QueueAutoscaler: a new object or a new
 * generation is reconciled at once, then every `pollingIntervalSeconds`.
 * Polls of one object never overlap. While this replica is not the leader,
 * polls are skipped (`skipped` counts them).
 */
export class Controller {
  readonly #o: ControllerOptions;
  readonly #entries = new Map<string, Entry>();
  #stopped = false;
  skipped = 0;
  polls = 0;

  constructor(options: ControllerOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#o.source.start((obj, deleted) => this.#onChange(obj, deleted));
  }

  /** The object source has delivered its first full list. */
  get synced(): boolean {
    return this.#o.source.synced();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Reconcile every object now (e.g. on becoming leader). */
  pokeAll(): void {
    for (const key of this.#entries.keys()) this.#schedule(key, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#o.source.stop();
    for (const e of this.#entries.values()) clearTimeout(e.timer);
    await Promise.all([...this.#entries.values()].map((e) => e.running));
  }

  #onChange(obj: QueueAutoscalerObject, deleted: boolean): void {
    const key = objectKey(obj);
    const prev = this.#entries.get(key);
    if (deleted) {
      if (prev) { prev.deleted = true; clearTimeout(prev.timer); this.#entries.delete(key); }
      this.#o.reconciler.forget(obj.metadata?.namespace ?? 'default', obj.metadata?.name ?? '');
      this.#o.logger.info({ key }, 'QueueAutoscaler deleted; stopped polling');
      return;
    }
    if (!prev) {
      this.#entries.set(key, { obj, state: newObjectState(obj) });
      this.#schedule(key, 0);
      return;
    }
    const specChanged = prev.obj.metadata?.generation !== obj.metadata?.generation
      || JSON.stringify(prev.obj.metadata?.annotations ?? {}) !== JSON.stringify(obj.metadata?.annotations ?? {});
    prev.obj = obj;
    prev.state.pollingIntervalSeconds = intervalOf(obj);
    if (specChanged) this.#schedule(key, 0);
  }

  #schedule(key: string, delayMs: number): void {
    const e = this.#entries.get(key);
    if (!e || this.#stopped) return;
    clearTimeout(e.timer);
    e.timer = setTimeout(() => void this.#poll(key), delayMs);
    e.timer.unref();
  }

  async #poll(key: string): Promise<void> {
    const e = this.#entries.get(key);
    if (!e || this.#stopped) return;
    if (e.running) { this.#schedule(key, 100); return; }
    let result: ReconcileResult | undefined;
    e.running = (async () => {
      this.polls += 1;
      if (!(this.#o.isLeader?.() ?? true)) { this.skipped += 1; return; }
      try {
        result = await this.#o.reconciler.reconcile(e.obj, e.state);
      } catch (err) {
        this.#o.logger.error({ err, key }, 'reconcile failed unexpectedly');
      }
    })();
    await e.running;
    e.running = undefined;
    this.#o.onReconciled?.(key, result);
    if (!e.deleted) this.#schedule(key, e.state.pollingIntervalSeconds * 1000);
  }
}
