import type { ServerResponse } from 'node:http';
import type { BackendName } from '#pkg/kv/index.ts';
import { sendLayeredHit } from './respond.ts';

/**
 * Near-cache hits of one event-loop turn: the first is answered at once, the
 * rest together at the turn's end (setImmediate: after every socket that was
 * ready has been read).
 *
 * Why: a near hit needs no I/O. Answered as soon as each request is parsed,
 * every answer's write lands while the client is between reads, and the
 * loopback delivery wakes it again: the `writev` of a near hit measured 24 µs
 * against 13 µs for a backend hit, whose answers already leave together when
 * Redis' reply arrives. Written back to back, the turn's answers wake the
 * client once: at 32 connections 1.72x the req/s at 0.57x the CPU per
 * request. The first goes out at once so that requests arriving one at a time
 * wait for nothing (1.00x the req/s at one connection; the turn's end costs a
 * setImmediate, 6 % more CPU there).
 */
export class AnswerBatch {
  readonly #backend: BackendName;
  #res: ServerResponse[] = [];
  #bytes: Buffer[] = [];
  #ttl: (number | undefined)[] = [];
  /** A hit has been answered in this turn: the next ones wait for its end. */
  #inTurn = false;
  readonly #endTurn = (): void => this.#flush();

  constructor(backend: BackendName) {
    this.#backend = backend;
  }

  /** Answers a near hit: now if it is the turn's first, else at the turn's end. */
  add(res: ServerResponse, bytes: Buffer, ttlMs: number | undefined): void {
    if (!this.#inTurn) {
      this.#inTurn = true;
      setImmediate(this.#endTurn);
      sendLayeredHit(res, this.#backend, bytes, ttlMs, 'near');
      return;
    }
    this.#res.push(res);
    this.#bytes.push(bytes);
    this.#ttl.push(ttlMs);
  }

  /** Hits waiting for the turn's end. */
  get waiting(): number {
    return this.#res.length;
  }

  #flush(): void {
    this.#inTurn = false;
    const res = this.#res, bytes = this.#bytes, ttl = this.#ttl;
    if (res.length === 0) return;
    this.#res = [];
    this.#bytes = [];
    this.#ttl = [];
    for (let i = 0; i < res.length; i++) sendLayeredHit(res[i], this.#backend, bytes[i], ttl[i], 'near');
  }
}
