/**
 * Keeps a NearCache coherent with Redis by server-assisted client-side
 * caching over RESP2 (the protocol the store speaks): a dedicated subscriber
 * connection listens on `__redis__:invalidate`, and the store's own read
 * connection runs `CLIENT TRACKING on REDIRECT <subscriber id>`, so Redis
 * remembers every key that connection reads and tells the subscriber when one
 * changes (written by anyone, expired, evicted, or the database flushed).
 *
 * Default (not BCAST) tracking: Redis sends only the keys this sidecar read,
 * rather than every write under the prefix from every pod.
 *
 * Both connections' client ids change on reconnect, and Redis forgets the
 * tracking with the connection: whenever either drops, the near cache is
 * suspended (flushed, and nothing read until tracking is on again is kept),
 * then tracking is re-enabled, pointing at the subscriber's new id. A
 * heartbeat on the subscriber finds an invalidation connection that stopped
 * answering without closing.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '#pkg/log/index.ts';
import type { NearCache } from './near-cache.ts';

const INVALIDATE_CHANNEL = '__redis__:invalidate';

export interface RedisTrackingOptions {
  /** The connection the sidecar reads with (the store's client). */
  reader: Redis;
  cache: NearCache;
  logger?: Logger;
  /** Period of the subscriber's PING, and how long one may go unanswered. Default 1000 ms. */
  heartbeatMs?: number;
}

export class RedisTracking {
  readonly #reader: Redis;
  readonly #sub: Redis;
  readonly #cache: NearCache;
  readonly #logger?: Logger;
  readonly #heartbeatMs: number;
  #subId: number | undefined;
  /** Connections lost so far: a set-up that saw one happen while it waited is not trusted. */
  #losses = 0;
  #subscriberLosses = 0;
  /** The latest tracking set-up: only it may resume the near cache. */
  #attempt = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #pinging = false;
  #closed = false;
  readonly #onReaderReady = () => void this.#enableTracking();
  readonly #onReaderClose = () => this.#lost('reader');

  constructor(options: RedisTrackingOptions) {
    this.#reader = options.reader;
    this.#cache = options.cache;
    this.#logger = options.logger;
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#sub = options.reader.duplicate({ connectionName: 'pilotfish-cache-invalidate', autoResubscribe: false, enableOfflineQueue: false, lazyConnect: true });
    this.#sub.on('ready', () => void this.#subscribe());
    this.#sub.on('close', () => this.#lost('subscriber'));
    this.#sub.on('error', () => {}); // reported through 'close'; the store logs Redis outages
    this.#sub.on('messageBuffer', (channel: Buffer, payload: Buffer[] | Buffer | null) => this.#onMessage(channel, payload));
    this.#reader.on('ready', this.#onReaderReady);
    this.#reader.on('close', this.#onReaderClose);
  }

  /** Connects the subscriber; tracking follows once both connections are ready. */
  start(): void {
    this.#sub.connect().catch(() => {}); // retried by ioredis' own reconnect loop
    this.#heartbeat = setInterval(() => void this.#ping(), this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  /** True once invalidations flow and the near cache serves. */
  get tracking(): boolean {
    return this.#cache.active;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#reader.off('ready', this.#onReaderReady);
    this.#reader.off('close', this.#onReaderClose);
    this.#cache.suspend('closed');
    this.#sub.disconnect();
  }

  #lost(which: 'reader' | 'subscriber'): void {
    this.#losses++;
    if (which === 'subscriber') {
      this.#subscriberLosses++;
      this.#subId = undefined;
    }
    if (this.#closed) return;
    if (this.#cache.active) this.#logger?.warn({ connection: which }, 'near cache: invalidation channel lost; flushed until tracking is back');
    this.#cache.suspend('connection');
  }

  async #subscribe(): Promise<void> {
    const losses = this.#subscriberLosses;
    try {
      const id = Number(await this.#sub.client('ID'));
      await this.#sub.subscribe(INVALIDATE_CHANNEL);
      if (losses !== this.#subscriberLosses || this.#closed) return;
      this.#subId = id;
      await this.#enableTracking();
    } catch (err) {
      this.#logger?.warn({ err: (err as Error).message }, 'near cache: cannot subscribe to invalidations; reconnecting');
      this.#sub.disconnect(true);
    }
  }

  async #enableTracking(): Promise<void> {
    const attempt = ++this.#attempt;
    const losses = this.#losses;
    const subId = this.#subId;
    if (this.#closed || subId === undefined || this.#reader.status !== 'ready') return;
    try {
      // Off first: ON with another REDIRECT is refused while tracking is on, and the reader may still track for a dead subscriber.
      await Promise.all([
        this.#reader.call('CLIENT', 'TRACKING', 'off'),
        this.#reader.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(subId)),
      ]);
      if (attempt !== this.#attempt || losses !== this.#losses || this.#closed) return;
      this.#cache.resume();
      this.#logger?.info({ redirect: subId }, 'near cache: tracking on; serving');
    } catch (err) {
      if (attempt !== this.#attempt) return;
      // Commands fail fast while a connection is down; its 'ready' retries.
      this.#logger?.warn({ err: (err as Error).message }, 'near cache: cannot enable tracking; not serving until it is');
    }
  }

  #onMessage(channel: Buffer, payload: Buffer[] | Buffer | null): void {
    if (channel.toString() !== INVALIDATE_CHANNEL) return;
    // A null payload is FLUSHALL/FLUSHDB (or the tracking table overflowing with keys unknown): everything goes.
    if (payload === null) return this.#cache.flush('redis_flush');
    const keys = Array.isArray(payload) ? payload.map((k) => k.toString()) : [payload.toString()];
    if (keys.length === 1) this.#cache.invalidate(keys[0], 'redis');
    else this.#cache.invalidateMany(keys, 'redis');
  }

  async #ping(): Promise<void> {
    if (this.#pinging || this.#closed || this.#sub.status !== 'ready' || this.#subId === undefined) return;
    this.#pinging = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#sub.ping(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer')), this.#heartbeatMs); }),
      ]);
    } catch (err) {
      if (this.#closed) return;
      this.#logger?.warn({ err: (err as Error).message }, 'near cache: invalidation connection silent; flushing and reconnecting');
      this.#cache.suspend('heartbeat');
      this.#sub.disconnect(true);
    } finally {
      clearTimeout(timer);
      this.#pinging = false;
    }
  }
}
