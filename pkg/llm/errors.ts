import { PilotfishError } from '#pkg/errors/index.ts';

/**
 * The coded error of pkg/llm. `kind` says what went wrong in provider-neutral
 * terms; `retryable` and `countsAsFailure` drive the retry loop and the
 * breaker. It knows no HTTP status of its own: the proxy's edge maps it to one
 * (pkg/llmproxy/failure-status.ts). Messages never carry a secret or a request body.
 */
export type ErrorKind =
  | 'invalid_request' // the caller's request is wrong, no provider was called
  | 'client' // the provider refused the request as the caller's fault (its 4xx in upstreamStatus)
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

/** A provider's non-2xx answer, kept so a same-dialect caller gets it as it was (status, body, request id, rate-limit headers). */
export interface UpstreamAnswer {
  status: number;
  /** The headers a caller may see (passthrough-headers.ts `clientHeaders`). */
  headers: Record<string, string>;
  /** The body, secrets masked. */
  body: Buffer;
}

export interface LlmErrorOptions {
  provider?: string; upstreamStatus?: number; retryAfterMs?: number; param?: string; cause?: unknown;
  code?: string; upstreamType?: string; upstream?: UpstreamAnswer;
}

export class LlmError extends PilotfishError {
  readonly kind: ErrorKind;
  /** Provider that produced it, when one did. */
  readonly provider?: string;
  /** Upstream HTTP status, when there was one. */
  readonly upstreamStatus?: number;
  /** Wait the provider asked for (retry-after / retry-after-ms), in ms. */
  readonly retryAfterMs?: number;
  /** Request parameter at fault, for 400s. */
  readonly param?: string;
  /**
   * `code` (PilotfishError's) is the provider's own error code when it gave one (e.g. `context_length_exceeded`),
   * passed on to the caller, or the proxy's own (`model_not_allowed`), else the kind. `upstreamType` is the
   * provider's error `type` (e.g. `invalid_request_error`).
   */
  readonly upstreamType?: string;
  /** The provider's answer as it came (raw pass-through only): relayed verbatim to a caller of the same dialect. */
  readonly upstream?: UpstreamAnswer;

  constructor(kind: ErrorKind, message: string, options: LlmErrorOptions = {}) {
    super(options.code ?? kind, message, { cause: options.cause });
    this.name = 'LlmError';
    this.kind = kind;
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.param = options.param;
    this.upstreamType = options.upstreamType;
    this.upstream = options.upstream;
  }

  /** Whether another attempt at the same provider can succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** Whether the next provider of the fallback chain may be tried. */
  get fallbackable(): boolean {
    return !CALLER_FAULT.has(this.kind);
  }

  /**
   * Whether the breaker counts it as a provider failure. Client errors do not, and neither does a 429: it is
   * the provider's quota for one model or key speaking, not its health, and counting it would let a burst on
   * one model open the breaker for every model of that provider.
   */
  get countsAsFailure(): boolean {
    return !CALLER_FAULT.has(this.kind) && this.kind !== 'breaker_open' && this.kind !== 'rate_limit';
  }
}

export const invalid = (message: string, param?: string) => new LlmError('invalid_request', message, { param });
