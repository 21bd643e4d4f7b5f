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

/**
 * Reads BullMQ queue state with pkg/queue's one-round-trip script, over one
 * ioredis connection per Redis URL (shared by every QueueAutoscaler naming
 * it). Bounded in time: no offline queue, a command timeout, and a race
 * against `timeoutMs`. The URL's password is registered as a secret.
 */
export class QueueSource {
  readonly #clients = new Map<string, Redis>();
  readonly #timeoutMs: number;

  constructor(options: QueueSourceOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  async read(url: string, queue: { name: string; prefix: string }, now: number): Promise<QueueRead> {
    try {
      const redis = this.#client(url);
      if (redis.status !== 'ready') await withTimeout(new Promise((resolve) => redis.once('ready', resolve)), this.#timeoutMs, 'redis connect');
      const signals = await withTimeout(readQueueSignals(redis, { name: queue.name, prefix: queue.prefix, now }), this.#timeoutMs, 'redis read');
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
    for (const [url, client] of this.#clients) {
      if (!urls.has(url)) { client.disconnect(); this.#clients.delete(url); }
    }
  }

  async close(): Promise<void> {
    for (const client of this.#clients.values()) client.disconnect();
    this.#clients.clear();
  }

  #client(url: string): Redis {
    let c = this.#clients.get(url);
    if (!c) {
      secrets.addUrlPassword(url);
      c = new Redis(url, {
        protocol: 2, // pinned: ioredis 6 defaults to RESP3, BullMQ and most servers expect RESP2
        lazyConnect: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: this.#timeoutMs,
        connectTimeout: this.#timeoutMs,
        retryStrategy: (times) => Math.min(times * 200, 5000),
      });
      c.on('error', () => { /* reported by reads; ioredis reconnects */ });
      this.#clients.set(url, c);
    }
    return c;
  }
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
