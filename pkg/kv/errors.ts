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

/** Suggested HTTP status per kind. `timeout` is 503 like `unavailable`: to a caller a slow backend is a down backend. */
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
  other: 500,
});

export interface CacheErrorOptions {
  /** Default: the kind itself, e.g. `invalid_key`. */
  code?: string;
  /** Default: `CACHE_ERROR_STATUS[kind]`. */
  status?: number;
  cause?: unknown;
}

export class CacheError extends Error {
  readonly kind: CacheErrorKind;
  readonly status: number;
  readonly code: string;

  constructor(kind: CacheErrorKind, message: string, options: CacheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CacheError';
    this.kind = kind;
    this.status = options.status ?? CACHE_ERROR_STATUS[kind];
    this.code = options.code ?? kind;
  }

  /** True for the kinds that mean "the backend could not answer": callers degrade to uncached. */
  get degraded(): boolean {
    return this.kind === 'unavailable' || this.kind === 'timeout';
  }

  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isCacheError(err: unknown): err is CacheError {
  return err instanceof CacheError;
}

/** True when `err` is a CacheError of kind `unavailable` or `timeout`. */
export function isDegraded(err: unknown): boolean {
  return err instanceof CacheError && err.degraded;
}
