/**
 * The unified cache layer's contracts. Two levels:
 * - `CacheStore`: what a backend adapter implements (memory, redis, upstash).
 *   Values cross it as JSON *text*, so the sidecar can pass bytes through on
 *   its hot path without parsing and re-serialising them.
 * - `Cache`: what apps use (and the sidecar client implements): JS values,
 *   TTL policy applied.
 * Every call is namespaced by `{ tenantKey, scope }`.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Namespace {
  /** `[A-Za-z0-9._-]{1,64}` */
  tenantKey: string;
  /** `[A-Za-z0-9._-]{1,64}` */
  scope: string;
}

export type BackendName = 'memory' | 'redis' | 'upstash';

/** A stored value as JSON text, with its remaining time to live in ms (-1: no expiry). */
export interface RawEntry {
  json: string;
  ttlMs: number;
}

/** A stored value as the UTF-8 bytes of its JSON text, never decoded. */
export interface RawBytesEntry {
  bytes: Buffer;
  ttlMs: number;
}

export interface RawItem {
  key: string;
  json: string;
  /** Effective TTL in ms, already clamped by the policy. */
  ttlMs: number;
}

export type TxOp =
  | { op: 'get'; scope: string; key: string }
  | { op: 'set'; scope: string; key: string; json: string; ttlMs: number }
  | { op: 'del'; scope: string; key: string }
  | { op: 'incr'; scope: string; key: string; by: number }
  | { op: 'expire'; scope: string; key: string; ttlMs: number };

/** One result per op, in order: get → entry or null; set → 'OK'; del → count removed; incr → new value; expire → whether the key existed. */
export type TxResult = RawEntry | null | 'OK' | number | boolean;

export interface OpOptions {
  /** Aborts the backend call; the op then fails as `unavailable`. */
  signal?: AbortSignal;
}

/** Where a read's answer goes (`CacheStore.readBytesInto`): exactly one of the two is called, once. */
export interface BytesSink {
  /** The value, or null for a missing key (or one that expired between GET and PTTL). */
  answer(entry: RawBytesEntry | null): void;
  /** The read failed; `err` is a CacheError. */
  fail(err: unknown): void;
}

export interface CacheStore {
  readonly backend: BackendName;
  get(ns: Namespace, key: string, options?: OpOptions): Promise<RawEntry | null>;
  /**
   * Optional fast path of `get` for a caller that writes the value out as it
   * is (the sidecar): the bytes are never decoded to a string and encoded back.
   */
  getBytes?(ns: Namespace, key: string, options?: OpOptions): Promise<RawBytesEntry | null>;
  /**
   * Optional: `getBytes` for a tenant, scope and key the caller has already
   * validated (the sidecar's GET hit path), so nothing is checked twice.
   * `withTtl: false` (default true) leaves the remaining TTL unread where
   * reading it costs a second command; `ttlMs` is then NaN.
   */
  getBytesValidated?(tenantKey: string, scope: string, key: string, withTtl?: boolean): Promise<RawBytesEntry | null>;
  /**
   * Optional: `getBytesValidated` that hands the answer to `sink` instead of
   * returning a promise (the redis backend settles it from the reply itself).
   */
  readBytesInto?(tenantKey: string, scope: string, key: string, withTtl: boolean, sink: BytesSink): void;
  set(ns: Namespace, key: string, json: string, ttlMs: number, options?: OpOptions): Promise<void>;
  del(ns: Namespace, key: string, options?: OpOptions): Promise<number>;
  mget(ns: Namespace, keys: string[], options?: OpOptions): Promise<(RawEntry | null)[]>;
  /** All items or none. */
  mset(ns: Namespace, items: RawItem[], options?: OpOptions): Promise<void>;
  /** Applied atomically; ops may touch several scopes of one tenant. */
  transaction(tenantKey: string, ops: TxOp[], options?: OpOptions): Promise<TxResult[]>;
  /** Optional: resolves once a connection-based backend is connected; rejects with `unavailable` after `timeoutMs`. */
  waitReady?(timeoutMs: number): Promise<void>;
  /** Cheap liveness probe of the backend (PING or equivalent). */
  ping(options?: OpOptions): Promise<void>;
  close(): Promise<void>;
}
