/**
 * The near cache's memory: stored Redis keys to value bytes, LRU-bounded by
 * bytes, each entry carrying its absolute expiry. No I/O: coherence comes from
 * outside (Redis invalidations, the sidecar's own writes, connection and
 * breaker events) through `invalidate`, `flush`, `suspend` and `resume`.
 *
 * The race it is built around: a read's reply and the invalidation of the
 * value it carries travel on two different connections, so the invalidation
 * can be processed first. A read therefore takes a ticket before it is sent
 * (`beginFill`); an invalidation of that key, a flush or a suspension voids
 * the ticket, and a voided ticket's reply is answered but never stored.
 */
import { LRUCache } from 'lru-cache';

/** Why the whole near cache was emptied. */
export type FlushReason = 'connection' | 'breaker' | 'redis_flush' | 'heartbeat' | 'closed';
/** Where an invalidation came from: Redis' tracking messages, or a write through this sidecar. */
export type InvalidationSource = 'redis' | 'write';

export interface NearEntry {
  readonly bytes: Buffer;
  /** Absolute expiry in Redis, on the injected clock; Infinity for a key without TTL. */
  readonly expiresAt: number;
  /** When this copy stops being served: `expiresAt`, or sooner under a staleness bound. */
  readonly servedUntil: number;
}

/** A read in flight whose reply may be stored. */
export interface FillTicket {
  readonly key: string;
  readonly epoch: number;
  /** The clock when the read was sent: Redis measured the PTTL no earlier, so expiry counts from here. */
  readonly sentAt: number;
}

export interface NearCacheEvents {
  onFlush?(reason: FlushReason): void;
  onInvalidate?(source: InvalidationSource, keys: number): void;
  onSize?(bytes: number, entries: number): void;
}

export interface NearCacheOptions {
  /** Bound on the bytes held (values, keys and a fixed per-entry overhead). */
  maxBytes: number;
  /** Longest a copy is served without hearing from the backend (for backends without invalidation). Default: unbounded. */
  maxStalenessMs?: number;
  /** Starts serving at once (no invalidation channel to wait for). Default false: `resume()` first. */
  active?: boolean;
  /** Monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
  events?: NearCacheEvents;
}

/** Per-entry bookkeeping counted against `maxBytes`: the map slot, the entry object, the Buffer header. */
const ENTRY_OVERHEAD_BYTES = 160;

export function entrySize(key: string, bytes: Buffer): number {
  return bytes.length + key.length * 2 + ENTRY_OVERHEAD_BYTES;
}

/** The `X-Cache-TTL` of an entry: remaining ms, -1 for no expiry. */
export function remainingTtl(entry: NearEntry, now: number): number {
  return entry.expiresAt === Infinity ? -1 : Math.max(1, Math.floor(entry.expiresAt - now));
}

export class NearCache {
  readonly maxBytes: number;
  readonly maxStalenessMs: number;
  readonly #lru: LRUCache<string, NearEntry>;
  readonly #pending = new Map<string, FillTicket>();
  readonly #now: () => number;
  readonly #events: NearCacheEvents;
  #active: boolean;
  #epoch = 0;

  constructor(options: NearCacheOptions) {
    if (!(Number.isInteger(options.maxBytes) && options.maxBytes > 0)) throw new RangeError('maxBytes must be a positive integer');
    const staleness = options.maxStalenessMs ?? Infinity;
    if (!(staleness > 0)) throw new RangeError('maxStalenessMs must be positive');
    this.maxBytes = options.maxBytes;
    this.maxStalenessMs = staleness;
    this.#now = options.now ?? (() => performance.now());
    this.#events = options.events ?? {};
    this.#active = options.active ?? false;
    this.#lru = new LRUCache<string, NearEntry>({
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => entrySize(key, entry.bytes),
    });
  }

  /** True while copies may be served and stored. */
  get active(): boolean {
    return this.#active;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get entries(): number {
    return this.#lru.size;
  }

  /** Reads in flight that may still be stored. */
  get pendingFills(): number {
    return this.#pending.size;
  }

  /** The copy of `key` if it may be served now; an expired one is dropped. */
  get(key: string): NearEntry | undefined {
    if (!this.#active) return undefined;
    const entry = this.#lru.get(key);
    if (entry === undefined) return undefined;
    if (entry.servedUntil <= this.#now()) {
      this.#lru.delete(key);
      this.#sizeChanged();
      return undefined;
    }
    return entry;
  }

  /** What is left of a served copy's TTL, in ms, on this cache's own clock (-1: no expiry). */
  ttlOf(entry: NearEntry): number {
    return remainingTtl(entry, this.#now());
  }

  /** Called before a read of `key` is sent; undefined while suspended (the reply must not be stored). */
  beginFill(key: string): FillTicket | undefined {
    if (!this.#active) return undefined;
    const ticket: FillTicket = { key, epoch: this.#epoch, sentAt: this.#now() };
    // The latest read of a key wins the slot: an earlier one in flight is not stored.
    this.#pending.set(key, ticket);
    return ticket;
  }

  /**
   * Stores a read's reply if nothing voided its ticket since it was sent.
   * `ttlMs` is Redis' PTTL (-1: none). Returns whether it was stored.
   */
  completeFill(ticket: FillTicket | undefined, bytes: Buffer, ttlMs: number): boolean {
    if (ticket === undefined || !this.#release(ticket)) return false;
    if (ticket.epoch !== this.#epoch || !this.#active) return false;
    const expiresAt = ttlMs < 0 ? Infinity : ticket.sentAt + ttlMs;
    const servedUntil = Math.min(expiresAt, ticket.sentAt + this.maxStalenessMs);
    if (servedUntil <= this.#now()) return false;
    // A copy of its own, outside Buffer's shared pool: a small slice would pin an 8 KB slab the byte count does not see.
    const own = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(own);
    this.#lru.set(ticket.key, { bytes: own, expiresAt, servedUntil });
    this.#sizeChanged();
    return this.#lru.has(ticket.key);
  }

  /** A read that will not be stored (miss, failure): frees its slot. */
  abandonFill(ticket: FillTicket | undefined): void {
    if (ticket !== undefined) this.#release(ticket);
  }

  /** Drops `key` and voids any read of it in flight. */
  invalidate(key: string, source: InvalidationSource): void {
    this.#pending.delete(key);
    if (this.#lru.delete(key)) this.#sizeChanged();
    this.#events.onInvalidate?.(source, 1);
  }

  /** `invalidate` for several keys, counted once. */
  invalidateMany(keys: readonly string[], source: InvalidationSource): void {
    let dropped = false;
    for (const key of keys) {
      this.#pending.delete(key);
      if (this.#lru.delete(key)) dropped = true;
    }
    if (dropped) this.#sizeChanged();
    this.#events.onInvalidate?.(source, keys.length);
  }

  /** Empties the cache and voids every read in flight; keeps serving what is read from now on. */
  flush(reason: FlushReason): void {
    this.#epoch++;
    this.#pending.clear();
    this.#lru.clear();
    this.#sizeChanged();
    this.#events.onFlush?.(reason);
  }

  /** The invalidation channel is not known to work: flush, and neither serve nor store until `resume`. */
  suspend(reason: FlushReason): void {
    const wasActive = this.#active;
    this.#active = false;
    if (wasActive || this.#lru.size > 0 || this.#pending.size > 0) this.flush(reason);
    else this.#epoch++;
  }

  /** The invalidation channel works again (for every read sent from now on). */
  resume(): void {
    this.#epoch++;
    this.#active = true;
  }

  #release(ticket: FillTicket): boolean {
    if (this.#pending.get(ticket.key) !== ticket) return false;
    this.#pending.delete(ticket.key);
    return true;
  }

  #sizeChanged(): void {
    this.#events.onSize?.(this.#lru.calculatedSize, this.#lru.size);
  }
}
