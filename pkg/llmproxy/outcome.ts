import { GatewayError, LlmError, type Outcome } from '#pkg/llm/index.ts';

/** The outcome of a request no provider was called for. */
export const NO_CALL: Outcome = { provider: 'none', model: '', attempts: 0, fallback: false, degraded: false };

/** The proxy's `x-llm-*` headers for an outcome; `final`: a failure the proxy already retried. */
export function llmHeaders(o: Outcome, final: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'x-llm-provider': o.provider,
    'x-llm-model': o.model,
    'x-llm-attempts': String(o.attempts),
    'x-llm-fallback': o.fallback ? 'true' : 'false',
  };
  if (o.degraded) h['x-llm-degraded'] = 'true';
  // The proxy already retried and failed over: tell the calling SDK not to multiply attempts.
  if (final) h['x-should-retry'] = 'false';
  return h;
}

/** The caller's `x-request-id`, when it is a reasonable one: echoed, and put on the proxy's log lines. */
export function callerRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && header.length <= 200 ? header : undefined;
}

/** A failed gateway run, read once: the error to answer with, what was called, and the result label of the request metric. */
export function runFailure(err: unknown): { error: unknown; outcome: Outcome; kind: string; result: 'aborted' | 'client_error' | 'error' } {
  const g = err instanceof GatewayError ? err : undefined;
  const error = g?.error ?? err;
  const kind = error instanceof LlmError ? error.kind : 'internal';
  const result = kind === 'aborted' ? 'aborted' : kind === 'client' || kind === 'invalid_request' ? 'client_error' : 'error';
  return { error, outcome: g?.outcome ?? NO_CALL, kind, result };
}
