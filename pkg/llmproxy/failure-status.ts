import type { StatusByCode } from '#pkg/errors/index.ts';
import { HttpError } from '#pkg/http/index.ts';
import { LlmError } from '#pkg/llm/index.ts';

/**
 * The proxy's own refusals that are not a plain 400 or 429, by code. Only for errors no provider answered: a
 * provider's own code (OpenAI's `model_not_found` on a 404) keeps the status the provider gave.
 */
const STATUS_BY_CODE: StatusByCode = {
  invalid_api_key: 401, // governance: no valid client key
  model_not_allowed: 403, // governance: a model outside the key's list
  not_found: 404, // stored responses without an OpenAI provider
  model_not_found: 404, // GET /v1/models/{id} of a model the proxy does not route
};

/** The caller-fault statuses of a provider's answer that reach the caller as they were; any other 4xx is a 400. */
const KEPT_CLIENT_STATUSES: ReadonlySet<number> = new Set([404, 413, 422]);

/**
 * The HTTP status of a final failure, decided in this one place for every endpoint of the proxy: an HttpError
 * (a bad body, an unknown route) keeps its own; the caller's mistakes keep theirs; a rate limit is a 429 (the
 * caller's SDK backs off on it); a 403 that every provider gave (finalError) is a 403; everything else is a 503,
 * since the proxy already retried and failed over. A 401 from a provider is a 503 too: it says the proxy's own
 * key is wrong, which the caller would misread as its own.
 */
export function failureStatus(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (!(err instanceof LlmError)) return 503;
  if (err.upstreamStatus === undefined && Object.hasOwn(STATUS_BY_CODE, err.code)) return STATUS_BY_CODE[err.code];
  switch (err.kind) {
    case 'invalid_request': return 400;
    case 'client': return err.upstreamStatus !== undefined && KEPT_CLIENT_STATUSES.has(err.upstreamStatus) ? err.upstreamStatus : 400;
    case 'rate_limit': return 429;
    case 'auth': return err.upstreamStatus === 403 ? 403 : 503;
    default: return 503;
  }
}
