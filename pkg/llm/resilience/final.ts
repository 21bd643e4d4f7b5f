/**
 * Pure: the error a caller gets when no candidate served, from the last
 * failure of each candidate tried.
 *
 * - Every candidate rate limited (429): the caller gets 429 too, with the
 *   earliest `retry-after` among them. Earliest, because the proxy tries the
 *   whole chain again on the next call: the first provider to have room then
 *   serves it, so waiting for the largest would wait for nothing.
 * - Every candidate refused with 403 (the proxy's account may not use this
 *   model or feature): 403, so the SDK's PermissionDeniedError says so. A 401
 *   is not passed on: it says the proxy's own key is wrong, which the app
 *   cannot fix and would misread as its own key (the SDKs' AuthenticationError);
 *   it stays a 503 for the operator (`lastError.kind: auth` in /v1/status).
 * - Anything else: 503 `unavailable`, naming each provider's failure kind.
 */
import { LlmError } from '../errors.ts';

export function finalError(failures: readonly LlmError[]): LlmError {
  const summary = failures.map((f) => `${f.provider ?? '?'}: ${f.kind}`).join('; ') || 'none could be called';
  const last = failures[failures.length - 1];
  if (failures.length > 0 && failures.every((f) => f.kind === 'rate_limit')) {
    let pick = last;
    for (const f of failures) if (f.retryAfterMs !== undefined && (pick.retryAfterMs === undefined || f.retryAfterMs < pick.retryAfterMs)) pick = f;
    return new LlmError('rate_limit', `rate limited by every provider (${summary})`, {
      provider: pick.provider, upstreamStatus: 429, retryAfterMs: pick.retryAfterMs, code: pick.code, upstreamType: pick.upstreamType, upstream: pick.upstream, cause: pick,
    });
  }
  const status = last?.upstreamStatus;
  if (last && last.kind === 'auth' && status === 403 && failures.every((f) => f.kind === 'auth' && f.upstreamStatus === 403)) {
    return new LlmError('auth', `the provider refused the proxy's credentials (${summary})`, { provider: last.provider, upstreamStatus: status, cause: last });
  }
  return new LlmError('unavailable', `all providers failed (${summary})`, { cause: last });
}
