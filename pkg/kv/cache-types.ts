/**
 * The app-facing `Cache`: JS values in and out, the TTL policy applied, and a
 * result per call that says whether the cache answered (`hit`, `miss`, `ok`)
 * or could not (`unavailable`). A down or slow backend never throws: the app
 * goes on uncached. Bad input (tenant, scope, key, TTL, value) and semantic
 * refusals (`wrong_type`, `too_large`) throw a CacheError.
 */
import type { CacheError } from './errors.ts';
import type { JsonValue, Namespace } from './types.ts';

export interface CallOptions extends Namespace {
  /** Aborts the call; it then answers `unavailable`. */
  signal?: AbortSignal;
}

export interface Unavailable {
  status: 'unavailable';
  /** Why: kind `unavailable` or `timeout`, or `other` for an unexpected backend answer. */
  error: CacheError;
}

export type GetResult<T = JsonValue> = { status: 'hit'; value: T; ttlMs: number } | { status: 'miss' } | Unavailable;
export type SetResult = { status: 'ok'; ttlMs: number } | Unavailable;
/** `deleted`: keys removed (0 or 1); absent through the sidecar, whose DELETE does not say. */
export type DelResult = { status: 'ok'; deleted?: number } | Unavailable;

export type MgetItem<T = JsonValue> = { key: string; hit: true; value: T; ttlMs: number } | { key: string; hit: false };
/** `hits` counts the items found: set `X-Cache: hit` when it equals the number of keys. */
export type MgetResult<T = JsonValue> = { status: 'ok'; items: MgetItem<T>[]; hits: number } | Unavailable;

export interface MsetItem {
  key: string;
  value: JsonValue;
  /** Requested TTL in ms; clamped by the policy; default the scope's TTL. */
  ttlMs?: number;
}
/** `ttlMs`: the effective TTL per item, when known (the sidecar client does not learn them). */
export type MsetResult = { status: 'ok'; ttlMs?: number[] } | Unavailable;

export type CacheTxOp =
  | { op: 'get'; scope: string; key: string }
  | { op: 'set'; scope: string; key: string; value: JsonValue; ttlMs?: number }
  | { op: 'del'; scope: string; key: string }
  | { op: 'incr'; scope: string; key: string; by?: number }
  | { op: 'expire'; scope: string; key: string; ttlMs: number };

/** One per op, in order — the same shapes as the sidecar's `_tx` answer. */
export type CacheTxResult =
  | { hit: true; value: JsonValue; ttlMs: number }
  | { hit: false }
  | { ok: boolean; ttlMs: number }
  | { deleted: number }
  | { value: number };

export type TxResultSet = { status: 'ok'; results: CacheTxResult[] } | Unavailable;

export interface Cache {
  /** The backend behind it (`memory`, `redis`, `upstash`), or `sidecar`. */
  readonly backend: string;
  get<T = JsonValue>(ns: CallOptions, key: string): Promise<GetResult<T>>;
  /** `ttlMs` is requested, then clamped by the scope's policy; the effective TTL is returned. */
  set(ns: CallOptions, key: string, value: JsonValue, ttlMs?: number): Promise<SetResult>;
  del(ns: CallOptions, key: string): Promise<DelResult>;
  mget<T = JsonValue>(ns: CallOptions, keys: string[]): Promise<MgetResult<T>>;
  /** All items or none. */
  mset(ns: CallOptions, items: MsetItem[]): Promise<MsetResult>;
  /** Applied atomically; ops may touch several scopes of the tenant. An incr of a non-integer refuses the whole transaction (`wrong_type`). */
  transaction(tenantKey: string, ops: CacheTxOp[], options?: { signal?: AbortSignal }): Promise<TxResultSet>;
  close(): Promise<void>;
}
