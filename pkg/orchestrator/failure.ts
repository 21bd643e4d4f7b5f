import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { PilotfishError } from '#pkg/errors/index.ts';

/** The stream ended cleanly but before the model said why it stopped (no finish reason). */
export class IncompleteStreamError extends PilotfishError {
  declare readonly code: 'llm_stream_incomplete';
  constructor() {
    super('llm_stream_incomplete', 'the model stream ended without a finish reason');
    this.name = 'IncompleteStreamError';
  }
}

export interface ChatFailure { code: string; message: string }

// Only machine words of the proxy's answer are repeated (its error code and the field name), never its message text.
const SAFE_WORD = /^[A-Za-z0-9_.-]{1,64}$/;
const word = (v: unknown): string | undefined => (typeof v === 'string' && SAFE_WORD.test(v) ? v : undefined);
const CALLER_FAULT = new Set([400, 404, 413, 422]);

/**
 * The `error` event for a failed chat: a stable `code` the client can branch
 * on and a message safe to show (built here, so no secret or upstream text
 * can ride along).
 */
export function describeFailure(err: unknown): ChatFailure {
  if (err instanceof IncompleteStreamError) return { code: err.code, message: 'the model answer ended before it was complete' };
  if (err instanceof APIUserAbortError) return { code: 'aborted', message: 'the chat was cancelled' };
  if (err instanceof APIConnectionTimeoutError) return { code: 'llm_timeout', message: 'the LLM proxy did not answer in time' };
  if (err instanceof APIConnectionError) return { code: 'llm_unreachable', message: 'the LLM proxy could not be reached' };
  if (err instanceof APIError) {
    const code = word(err.code);
    const why = code ? ` (${code})` : '';
    if (err.status === undefined) return { code: 'llm_stream_failed', message: `the model answer failed part way${why}` };
    if (err.status === 429) return { code: 'llm_rate_limited', message: `the LLM proxy is rate limited${why}; try again later` };
    if (CALLER_FAULT.has(err.status)) {
      const param = word(err.param);
      return { code: 'llm_rejected', message: `the LLM proxy refused the request: ${err.status}${why}${param ? `, field ${param}` : ''}` };
    }
    if (err.status >= 500) return { code: 'llm_unavailable', message: `no LLM provider could answer${why}; try again later` };
    return { code: 'llm_error', message: `the LLM proxy answered ${err.status}${why}` };
  }
  return { code: 'internal', message: 'the chat failed unexpectedly' };
}
