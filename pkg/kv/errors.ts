import { PilotfishError } from '#pkg/errors/index.ts';

/** What went wrong, in terms a caller can act on: the one list the sidecar's edge and its client take (CacheErrorKind, isCacheErrorKind). */
const CACHE_ERROR_KINDS = [
  'unavailable',
  'timeout',
  'invalid_key',
  'invalid_namespace',
  'invalid_ttl',
  'invalid_value',
  'too_large',
  'wrong_type',
  'conflict',
  'other',
] as const;

export type CacheErrorKind = (typeof CACHE_ERROR_KINDS)[number];

const KINDS: ReadonlySet<string> = new Set(CACHE_ERROR_KINDS);

export interface CacheErrorOptions {
  /** Default: the kind itself, e.g. `invalid_key`. */
  code?: string;
  cause?: unknown;
}

/**
 * The cache layer's one error type, a domain error: a `kind` and the stable
 * machine `code` of an error body (the kind unless given). It carries no HTTP
 * status: the sidecar's edge maps the kind to one (pkg/cachesidecar). Messages
 * never quote a stored value or a secret.
 */
export class CacheError extends PilotfishError {
  readonly kind: CacheErrorKind;

  constructor(kind: CacheErrorKind, message: string, options: CacheErrorOptions = {}) {
    super(options.code ?? kind, message, { cause: options.cause });
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
  return KINDS.has(code);
}

/** A backend call's failure as a CacheError: anything that is not one already is an unexpected failure, kind `other`. */
export function backendFailure(err: unknown): CacheError {
  return err instanceof CacheError ? err : new CacheError('other', 'cache backend failed unexpectedly', { cause: err });
}
