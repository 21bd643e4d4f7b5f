/**
 * The coded error of pkg/llm. `kind` says what went wrong in provider-neutral
 * terms; `status` is the HTTP status the proxy answers with when this error is
 * final; `retryable` and `countsAsFailure` drive the retry loop and the
 * breaker. Messages never carry a secret or a request body.
 */
export type ErrorKind =
  | 'invalid_request' // the caller's request is wrong (400), no provider was called
  | 'client' // the provider refused the request as the caller's fault (400/404/413/422)
  | 'auth' // the provider refused our credentials (401/403)
  | 'rate_limit' // 429
  | 'spend_limit' // 429 that says the quota/spend limit is reached: never retried
  | 'overloaded' // 529
  | 'server' // 5xx
  | 'conflict' // 408/409
  | 'network' // connection refused/reset, socket cut
  | 'timeout' // per-attempt timeout
  | 'deadline' // the overall deadline passed
  | 'malformed' // the provider's answer could not be parsed
  | 'truncated' // a stream ended without its final event
  | 'breaker_open' // the provider's breaker refused the call
  | 'aborted' // the caller went away
  | 'unavailable'; // every provider of the chain failed

const RETRYABLE: ReadonlySet<ErrorKind> = new Set(['rate_limit', 'overloaded', 'server', 'conflict', 'network', 'timeout', 'malformed', 'truncated']);
const CALLER_FAULT: ReadonlySet<ErrorKind> = new Set(['invalid_request', 'client', 'aborted']);

export class LlmError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  /** Provider that produced it, when one did. */
  readonly provider?: string;
  /** Upstream HTTP status, when there was one. */
  readonly upstreamStatus?: number;
  /** Wait the provider asked for (retry-after / retry-after-ms), in ms. */
  readonly retryAfterMs?: number;
  /** Request parameter at fault, for 400s. */
  readonly param?: string;

  constructor(kind: ErrorKind, message: string, options: { status?: number; provider?: string; upstreamStatus?: number; retryAfterMs?: number; param?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LlmError';
    this.kind = kind;
    this.status = options.status ?? defaultStatus(kind);
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.param = options.param;
  }

  /** Whether another attempt at the same provider can succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** Whether the next provider of the fallback chain may be tried. */
  get fallbackable(): boolean {
    return !CALLER_FAULT.has(this.kind);
  }

  /** Whether the breaker counts it as a provider failure (client errors do not). */
  get countsAsFailure(): boolean {
    return !CALLER_FAULT.has(this.kind) && this.kind !== 'breaker_open';
  }
}

function defaultStatus(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid_request': case 'client': return 400;
    case 'rate_limit': case 'spend_limit': return 429;
    case 'timeout': case 'deadline': return 504;
    case 'aborted': return 499;
    case 'breaker_open': case 'unavailable': case 'overloaded': return 503;
    default: return 502;
  }
}

export const invalid = (message: string, param?: string) => new LlmError('invalid_request', message, { param });
