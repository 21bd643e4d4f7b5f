import type { ServerResponse } from 'node:http';
import type { Expirable } from './deadlines.ts';

/**
 * A GET waiting for the backend, as its own deadline record: the sweeper
 * expires it, the answer settles it, and taking the deadline allocates
 * nothing else (no closure per request). Once settled it lets go of the
 * response and metrics, since it waits in the sweeper's queue until swept.
 */
export class PendingGet<M> implements Expirable {
  readonly at: number;
  settled = false;
  #res: ServerResponse | null;
  #metrics: M | null;
  readonly #onTimeout: (res: ServerResponse, metrics: M) => void;

  constructor(at: number, res: ServerResponse, metrics: M, onTimeout: (res: ServerResponse, metrics: M) => void) {
    this.at = at;
    this.#res = res;
    this.#metrics = metrics;
    this.#onTimeout = onTimeout;
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
    this.#onTimeout(res!, metrics!);
  }
}
