import { describe, expect, it } from 'vitest';
import { PilotfishError } from '#pkg/errors/index.ts';
import { HttpError } from '#pkg/http/index.ts';
import { finalError, LlmError } from '#pkg/llm/index.ts';
import { failureStatus } from './failure-status.ts';

// As pkg/llm's classifyStatus makes them: the provider's status kept in upstreamStatus.
const upstream = (kind: 'client' | 'auth', status: number, code?: string) => new LlmError(kind, 'm', { provider: 'openai', upstreamStatus: status, code });

describe('failureStatus', () => {
  it('keeps a provider\'s 404, 413 and 422 for the caller and answers any other of its 4xx as 400', () => {
    expect([404, 413, 422, 400, 418].map((s) => failureStatus(upstream('client', s)))).toEqual([404, 413, 422, 400, 400]);
    // The provider's own code does not pick the status: its answer did.
    expect(failureStatus(upstream('client', 400, 'model_not_found'))).toBe(400);
  });

  it('maps the proxy\'s own refusals by code, and any other request error to 400', () => {
    const own = (kind: ConstructorParameters<typeof LlmError>[0], code?: string) => failureStatus(new LlmError(kind, 'm', { code }));
    expect([own('invalid_request', 'invalid_api_key'), own('auth', 'model_not_allowed'), own('client', 'not_found'), own('client', 'model_not_found')]).toEqual([401, 403, 404, 404]);
    expect([own('invalid_request'), own('client'), own('rate_limit', 'budget_exceeded'), own('rate_limit', 'rpm_exceeded')]).toEqual([400, 400, 429, 429]);
  });

  it('answers 429 and 403 only when every provider did (finalError), else 503', () => {
    const limited = finalError([new LlmError('rate_limit', 'x', { provider: 'openai', upstreamStatus: 429 })]);
    const refused = finalError([new LlmError('auth', 'x', { provider: 'openai', upstreamStatus: 403 })]);
    const badKey = finalError([new LlmError('auth', 'x', { provider: 'openai', upstreamStatus: 401 })]);
    expect([failureStatus(limited), failureStatus(refused), failureStatus(badKey)]).toEqual([429, 403, 503]);
    // A 401 on its own is the proxy's key, not the caller's: never passed on.
    expect(failureStatus(upstream('auth', 401))).toBe(503);
    for (const kind of ['spend_limit', 'overloaded', 'server', 'timeout', 'deadline', 'breaker_open', 'unavailable', 'network', 'aborted'] as const) {
      expect([kind, failureStatus(new LlmError(kind, 'm'))]).toEqual([kind, 503]);
    }
  });

  it('keeps an HttpError\'s own status and answers anything else as 503', () => {
    expect(failureStatus(new HttpError(405, 'method_not_allowed', 'use POST'))).toBe(405);
    expect(failureStatus(new HttpError(413, 'payload_too_large', 'big'))).toBe(413);
    expect(failureStatus(new PilotfishError('not_found', 'not an LlmError'))).toBe(503);
    expect(failureStatus(new Error('boom'))).toBe(503);
  });
});
