import { Redis } from 'ioredis';
import { readQueueSignals } from '#pkg/queue/index.ts';
import { secrets } from '#pkg/log/index.ts';
import type { PrometheusSource, QueueReading, Reading } from './types.ts';

export interface QueueSourceOptions {
  /** Bound on one read, connection included. Default 2000 ms. */
  timeoutMs?: number;
}

/** What a queue read gives besides the readings the recommendation uses. */
export interface QueueRead { reading: Reading<QueueReading>; paused: boolean }

/** A connection shared by every QueueAutoscaler naming its URL, and the one wait for it to be ready. */
interface Connection {
  redis: Redis;
  ready?: { promise: Promise<void>; listener: () => void };
}

/**
 * Reads BullMQ queue state with pkg/queue's one-round-trip script, over one
 * ioredis connection per Redis URL (shared by every QueueAutoscaler naming
 * it). Bounded in time: no offline queue, a command timeout, and a race
 * against `timeoutMs`. The URL's password is registered as a secret.
 */
export class QueueSource {
  readonly #clients = new Map<string, Connection>();
  readonly #timeoutMs: number;

  constructor(options: QueueSourceOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  async read(url: string, queue: { name: string; prefix: string }, now: number): Promise<QueueRead> {
    try {
      const conn = this.#client(url);
      if (conn.redis.status !== 'ready') await withTimeout(whenReady(conn), this.#timeoutMs, 'redis connect');
      const signals = await withTimeout(readQueueSignals(conn.redis, { name: queue.name, prefix: queue.prefix, now }), this.#timeoutMs, 'redis read');
      return {
        reading: { ok: true, value: { readyBacklog: signals.readyBacklog, oldestReadyAgeSeconds: signals.oldestReadyAgeSeconds, activeJobs: signals.counts.active } },
        paused: signals.isPaused,
      };
    } catch (err) {
      return { reading: { ok: false, error: secrets.mask(err instanceof Error ? err.message : String(err)).slice(0, 300) }, paused: false };
    }
  }

  /** Drops connections to URLs no object names any more. */
  retain(urls: ReadonlySet<string>): void {
    for (const [url, conn] of this.#clients) {
      if (!urls.has(url)) { drop(conn); this.#clients.delete(url); }
    }
  }

  async close(): Promise<void> {
    for (const conn of this.#clients.values()) drop(conn);
    this.#clients.clear();
  }

  #client(url: string): Connection {
    let c = this.#clients.get(url);
    if (!c) {
      secrets.addUrlPassword(url);
      const redis = new Redis(url, {
        protocol: 2, // pinned: ioredis 6 defaults to RESP3, BullMQ and most servers expect RESP2
        lazyConnect: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: this.#timeoutMs,
        connectTimeout: this.#timeoutMs,
        retryStrategy: (times) => Math.min(times * 200, 5000),
      });
      redis.on('error', () => { /* reported by reads; ioredis reconnects */ });
      c = { redis };
      this.#clients.set(url, c);
    }
    return c;
  }
}

/**
 * One 'ready' listener per connection however many reads wait on it: a
 * listener per read passed EventEmitter's limit with 11 autoscalers on one
 * URL, and piled up while Redis was down (a read that timed out left its
 * listener behind).
 */
function whenReady(conn: Connection): Promise<void> {
  if (!conn.ready) {
    let listener!: () => void;
    const promise = new Promise<void>((resolve) => {
      listener = () => { conn.ready = undefined; resolve(); };
    });
    conn.redis.once('ready', listener);
    conn.ready = { promise, listener };
  }
  return conn.ready.promise;
}

function drop(conn: Connection): void {
  if (conn.ready) conn.redis.off('ready', conn.ready.listener);
  conn.ready = undefined;
  conn.redis.disconnect();
}

/** Reads a lag p95 from Prometheus's instant query API; `$queue` in the query is the queue name. */
export class LagSource {
  readonly #timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  async read(source: PrometheusSource, queue: string): Promise<Reading<number>> {
    const query = source.query.replaceAll('$queue', queue.replace(/["\\]/g, '\\$&'));
    const url = `${source.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
      if (!res.ok) return { ok: false, error: `Prometheus answered HTTP ${res.status}` };
      const body = (await res.json()) as { status?: string; data?: { result?: { value?: [number, string] }[] } };
      if (body.status !== 'success') return { ok: false, error: 'Prometheus query failed' };
      const sample = body.data?.result?.[0]?.value?.[1];
      // No series or NaN (no job started in the window): no lag observed.
      const value = sample === undefined ? 0 : Number(sample);
      return { ok: true, value: Number.isFinite(value) ? value : 0 };
    } catch (err) {
      return { ok: false, error: `Prometheus unreachable: ${secrets.mask(err instanceof Error ? err.message : String(err)).slice(0, 200)}` };
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}
