import { PilotfishError } from '#pkg/errors/index.ts';

/**
 * The cache layer's one error type. `kind` says what went wrong in terms a
 * caller can act on; `status` is the HTTP status an edge should answer with;
 * `code` is the stable machine code for an error body. Messages never quote a
 * stored value or a secret.
 */
export type CacheErrorKind =
  | 'unavailable'
  | 'timeout'
  | 'invalid_key'
  | 'invalid_namespace'
  | 'invalid_ttl'
  | 'invalid_value'
  | 'too_large'
  | 'wrong_type'
  | 'conflict'
  | 'other';

/**
 * Suggested HTTP status per kind. `timeout` and `other` are 503 like
 * `unavailable`: to a caller a slow backend, or one that answered something
 * unexpected, is a backend it cannot use right now (see `uncached`).
 */
export const CACHE_ERROR_STATUS: Readonly<Record<CacheErrorKind, number>> = Object.freeze({
  unavailable: 503,
  timeout: 503,
  invalid_key: 400,
  invalid_namespace: 400,
  invalid_ttl: 400,
  invalid_value: 400,
  too_large: 413,
  wrong_type: 409,
  conflict: 409,
  other: 503,
});

export interface CacheErrorOptions {
  /** Default: the kind itself, e.g. `invalid_key`. */
  code?: string;
  /** Default: `CACHE_ERROR_STATUS[kind]`. */
  status?: number;
  cause?: unknown;
}

export class CacheError extends PilotfishError {
  readonly kind: CacheErrorKind;
  // Still carried here because the sidecar's edge reads it (pkg/cachesidecar); CACHE_ERROR_STATUS is the mapping.
  declare readonly status: number;

  constructor(kind: CacheErrorKind, message: string, options: CacheErrorOptions = {}) {
    super(options.code ?? kind, message, { cause: options.cause, status: options.status ?? CACHE_ERROR_STATUS[kind] });
    this.name = 'CacheError';
    this.kind = kind;
  }

  /** True for the kinds that mean "the backend could not answer" (an outage: the breaker counts these). */
  get degraded(): boolean {
    return this.kind === 'unavailable' || this.kind === 'timeout';
  }

  /**
   * True when the caller goes on uncached instead of seeing an error: an
   * outage (`degraded`) or an unexpected backend failure (`other`). In process
   * (`StoreCache`) and through the sidecar (503 `X-Cache: unavailable`) alike.
   */
  get uncached(): boolean {
    return this.degraded || this.kind === 'other';
  }
}

/** Whether `code` names a kind (the sidecar's error codes default to the kind). */
export function isCacheErrorKind(code: string): code is CacheErrorKind {
  return Object.hasOwn(CACHE_ERROR_STATUS, code);
}

/** A backend call's failure as a CacheError: anything that is not one already is an unexpected failure, kind `other`. */
export function backendFailure(err: unknown): CacheError {
  return err instanceof CacheError ? err : new CacheError('other', 'cache backend failed unexpectedly', { cause: err });
}

export function isCacheError(err: unknown): err is CacheError {
  return err instanceof CacheError;
}

/** True when `err` is a CacheError of kind `unavailable` or `timeout`. */
export function isDegraded(err: unknown): boolean {
  return err instanceof CacheError && err.degraded;
}
