import { LlmError, type UpstreamAnswer } from '../errors.ts';
import { secrets } from '#pkg/log/index.ts';
import { retryAfterMs } from '../resilience/retry-policy.ts';

interface HeaderSource { get(name: string): string | null }

// OpenAI says `insufficient_quota`; Anthropic says the spend limit or credit balance is reached.
const SPEND_LIMIT = /insufficient_quota|spend(ing)? limit|credit balance|billing|quota exceeded|exceeded your current quota/i;

/** Maps an upstream HTTP status and error body to the proxy's error kinds. */
export function classifyStatus(status: number, body: unknown, headers: HeaderSource | undefined, provider: string, upstream?: UpstreamAnswer): LlmError {
  const message = upstreamMessage(body);
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  const base = { provider, upstreamStatus: status, upstream, ...upstreamCodes(body) };
  if (status === 429) {
    if (SPEND_LIMIT.test(text)) return new LlmError('spend_limit', `${provider}: spend limit reached`, base);
    return new LlmError('rate_limit', `${provider}: rate limited`, { ...base, retryAfterMs: headers ? retryAfterMs(headers) : undefined });
  }
  if (status === 529) return new LlmError('overloaded', `${provider}: overloaded`, { ...base, retryAfterMs: headers ? retryAfterMs(headers) : undefined });
  if (status === 408 || status === 409) return new LlmError('conflict', `${provider}: upstream answered ${status}`, { ...base, retryAfterMs: headers ? retryAfterMs(headers) : undefined });
  if (status >= 500) return new LlmError('server', `${provider}: upstream error ${status}`, { ...base, retryAfterMs: headers ? retryAfterMs(headers) : undefined });
  if (status === 401 || status === 403) return new LlmError('auth', `${provider}: the provider refused the proxy's credentials (${status})`, base);
  // The caller's fault: pass the provider's explanation on (scrubbed of secrets); its status is in upstreamStatus.
  return new LlmError('client', secrets.mask(`${provider}: ${message ?? `upstream answered ${status}`}`), base);
}

/**
 * The provider's `code`, `param` and `type`: OpenAI `{"error":{"code","param","type"}}` (the SDK hands over the
 * inner object), Anthropic `{"type":"error","error":{"type"}}`. Kept so `context_length_exceeded` reaches the caller.
 */
function upstreamCodes(body: unknown): { code?: string; param?: string; upstreamType?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const outer = body as Record<string, unknown>;
  const inner = (typeof outer.error === 'object' && outer.error !== null ? outer.error : outer) as Record<string, unknown>;
  const out: { code?: string; param?: string; upstreamType?: string } = {};
  if (typeof inner.code === 'string' && inner.code) out.code = inner.code;
  if (typeof inner.param === 'string' && inner.param) out.param = inner.param;
  if (typeof inner.type === 'string' && inner.type && inner.type !== 'error') out.upstreamType = inner.type;
  return out;
}

function upstreamMessage(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null) {
    const e = (body as { error?: unknown }).error;
    if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  }
  return typeof body === 'string' && body ? body.slice(0, 500) : undefined;
}

/**
 * Maps whatever an official SDK threw to an LlmError. Both SDKs share the
 * Stainless error shapes: `APIError` with `status`, `headers`, `error`;
 * `APIUserAbortError`; `APIConnectionError` (and its timeout subclass).
 */
export function fromSdkError(err: unknown, provider: string, signal: AbortSignal): LlmError {
  // An aborted call can surface as a cut stream: the abort's reason (attempt or idle timeout, caller gone) is the truth.
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof LlmError) return reason;
    return new LlmError('aborted', `${provider}: call aborted`, { provider, cause: reason });
  }
  if (err instanceof LlmError) return err;
  const e = err as { name?: string; status?: unknown; headers?: HeaderSource; error?: unknown; message?: string; cause?: unknown };
  if (typeof e?.status === 'number') return classifyStatus(e.status, e.error, e.headers, provider);
  if (e?.name === 'SyntaxError') return new LlmError('malformed', `${provider}: malformed answer from the provider`, { provider });
  // An `error` payload inside a stream (status undefined) is a provider-side failure.
  if (e && typeof e === 'object' && e.error !== undefined) {
    const overloaded = JSON.stringify(e.error).includes('overloaded_error');
    return new LlmError(overloaded ? 'overloaded' : 'server', `${provider}: provider reported an error in the stream`, { provider });
  }
  if (e?.name === 'APIConnectionTimeoutError') return new LlmError('timeout', `${provider}: timed out`, { provider });
  return new LlmError('network', `${provider}: connection failed`, { provider });
}
