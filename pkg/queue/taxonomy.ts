/**
 * The bounded `error_type` label: six values, whatever an app throws, so a
 * metric never grows a series per message.
 */
const ERROR_TYPES = ['timeout', 'rate_limited', 'upstream', 'validation', 'unrecoverable', 'other'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** An app's own classifier: return a type, or undefined to fall back to the built-in rules. */
export type ErrorClassifier = (err: unknown) => ErrorType | string | undefined;

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ERR_TIMEOUT', 'TIMEOUT']);
const UPSTREAM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const RATE_CODES = new Set(['RATE_LIMITED', 'RATE_LIMIT', 'TOO_MANY_REQUESTS', 'ERR_RATE_LIMITED']);
const VALIDATION_CODES = new Set(['VALIDATION', 'INVALID_ARGUMENT', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'BAD_REQUEST']);

function isErrorType(v: unknown): v is ErrorType {
  return typeof v === 'string' && (ERROR_TYPES as readonly string[]).includes(v);
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  tags?: unknown;
  errorType?: unknown;
  cause?: unknown;
  constructor?: { name?: unknown };
}

/**
 * Classifies a thrown value, in order:
 * 1. the app's classifier, when it returns one of the six types;
 * 2. tags: `err.errorType` or an entry of `err.tags` naming a type;
 * 3. the error's class/name, `code` and HTTP `status`/`statusCode`;
 * 4. the same rules on `err.cause` (two levels);
 * 5. BullMQ's `UnrecoverableError` → `unrecoverable`; else `other`.
 * A classifier that throws is ignored.
 */
export function classifyError(err: unknown, classifier?: ErrorClassifier): ErrorType {
  if (classifier) {
    try {
      const t = classifier(err);
      if (isErrorType(t)) return t;
    } catch {
      // an app classifier must not break metrics
    }
  }
  let current: unknown = err;
  for (let depth = 0; depth < 3 && current !== null && typeof current === 'object'; depth++) {
    const t = byFields(current as ErrorLike);
    if (t) return t;
    current = (current as ErrorLike).cause;
  }
  const name = err !== null && typeof err === 'object' ? String((err as ErrorLike).name ?? '') : '';
  if (name === 'UnrecoverableError') return 'unrecoverable';
  return 'other';
}

function byFields(e: ErrorLike): ErrorType | undefined {
  if (isErrorType(e.errorType)) return e.errorType;
  if (Array.isArray(e.tags)) {
    const tagged = e.tags.find(isErrorType);
    if (tagged) return tagged;
  }
  const name = `${typeof e.name === 'string' ? e.name : ''} ${typeof e.constructor?.name === 'string' ? e.constructor.name : ''}`.toLowerCase();
  const code = typeof e.code === 'string' ? e.code.toUpperCase() : '';
  const status = Number(e.status ?? e.statusCode);
  if (name.includes('timeout') || TIMEOUT_CODES.has(code) || status === 408 || status === 504) return 'timeout';
  if (name.includes('ratelimit') || RATE_CODES.has(code) || status === 429) return 'rate_limited';
  if (name.includes('validation') || name.includes('zoderror') || VALIDATION_CODES.has(code) || status === 400 || status === 422) return 'validation';
  if (name.includes('upstream') || name.includes('connectionerror') || UPSTREAM_CODES.has(code) || (status >= 500 && status <= 599)) return 'upstream';
  return undefined;
}
