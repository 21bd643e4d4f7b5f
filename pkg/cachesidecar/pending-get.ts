import type { ServerResponse } from 'node:http';
import type { BytesSink, RawBytesEntry } from '#pkg/kv/index.ts';
import type { Expirable } from './deadlines.ts';

/** What a PendingGet does once settled; one set per data handler, shared by every GET. */
export interface PendingGetOutcomes<M> {
  /** The deadline fired first. */
  timedOut(res: ServerResponse, metrics: M): void;
  /** The backend answered in time: a hit, or a miss (null). */
  answered(res: ServerResponse, metrics: M, startedAt: number, entry: RawBytesEntry | null): void;
  /** The backend failed in time. */
  failed(res: ServerResponse, scope: string, err: unknown): void;
}

/**
 * A GET waiting for the backend, as its own deadline record and the sink its
 * answer goes to: the sweeper expires it, the backend's reply settles it, and
 * neither allocates anything else (no closure or promise per request). Once
 * settled it lets go of the response and metrics, since it waits in the
 * sweeper's queue until swept.
 */
export class PendingGet<M> implements Expirable, BytesSink {
  readonly at: number;
  readonly startedAt: number;
  readonly scope: string;
  settled = false;
  #res: ServerResponse | null;
  #metrics: M | null;
  readonly #outcomes: PendingGetOutcomes<M>;

  constructor(at: number, startedAt: number, scope: string, res: ServerResponse, metrics: M, outcomes: PendingGetOutcomes<M>) {
    this.at = at;
    this.startedAt = startedAt;
    this.scope = scope;
    this.#res = res;
    this.#metrics = metrics;
    this.#outcomes = outcomes;
  }

  /** The backend answered: true the first time, if the deadline had not fired; the caller answers then. */
  settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.#res = null;
    this.#metrics = null;
    return true;
  }

  expire(): void {
    const res = this.#res;
    const metrics = this.#metrics;
    if (!this.settle()) return;
    this.#outcomes.timedOut(res!, metrics!);
  }

  answer(entry: RawBytesEntry | null): void {
    const res = this.#res;
    const metrics = this.#metrics;
    if (!this.settle()) return;
    this.#outcomes.answered(res!, metrics!, this.startedAt, entry);
  }

  fail(err: unknown): void {
    const res = this.#res;
    if (!this.settle()) return;
    this.#outcomes.failed(res!, this.scope, err);
  }
}
