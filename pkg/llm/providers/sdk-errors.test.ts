import { describe, expect, it } from 'vitest';
import { secrets } from '#pkg/log/index.ts';
import { classifyStatus, fromSdkError } from './sdk-errors.ts';

const h = (x: Record<string, string>) => ({ get: (n: string) => x[n] ?? null });

describe('classifyStatus', () => {
  it('maps upstream statuses to kinds that drive retry, fallback and the breaker', () => {
    const rate = classifyStatus(429, { error: { message: 'slow down' } }, h({ 'retry-after': '2' }), 'openai');
    // A 429 is the provider's quota speaking, not its health: it does not count towards the breaker.
    expect(rate).toMatchObject({ kind: 'rate_limit', retryAfterMs: 2000, retryable: true, fallbackable: true, countsAsFailure: false });
    const quota = classifyStatus(429, { error: { type: 'insufficient_quota', message: 'You exceeded your current quota' } }, h({}), 'openai');
    expect(quota).toMatchObject({ kind: 'spend_limit', retryable: false, fallbackable: true, countsAsFailure: true });
    expect(classifyStatus(529, {}, h({}), 'anthropic').kind).toBe('overloaded');
    expect(classifyStatus(409, {}, h({}), 'anthropic').kind).toBe('conflict');
    expect(classifyStatus(502, {}, h({}), 'anthropic').kind).toBe('server');
    expect(classifyStatus(401, {}, h({}), 'openai')).toMatchObject({ kind: 'auth', retryable: false, fallbackable: true });
  });

  it('keeps the provider\'s code, param and type in either dialect\'s error shape', () => {
    const openai = classifyStatus(400, { code: 'context_length_exceeded', param: 'messages', type: 'invalid_request_error', message: 'too long' }, h({}), 'openai');
    expect(openai).toMatchObject({ kind: 'client', code: 'context_length_exceeded', param: 'messages', upstreamType: 'invalid_request_error' });
    const anthropic = classifyStatus(413, { type: 'error', error: { type: 'request_too_large', message: 'big' } }, h({}), 'anthropic');
    expect(anthropic).toMatchObject({ kind: 'client', upstreamStatus: 413, upstreamType: 'request_too_large' });
    // No code of the provider's: the kind is the code.
    expect(anthropic.code).toBe('client');
  });

  it('passes the caller\'s own errors on with the provider\'s status, masked, without retry, fallback or breaker count', () => {
    secrets.add('sk-classify-secret-123');
    const e = classifyStatus(404, { error: { message: 'model nope not found for key sk-classify-secret-123' } }, h({}), 'openai');
    expect(e).toMatchObject({ kind: 'client', upstreamStatus: 404, retryable: false, fallbackable: false, countsAsFailure: false });
    expect(e.message).not.toContain('sk-classify-secret-123');
    expect(classifyStatus(418, {}, h({}), 'openai')).toMatchObject({ kind: 'client', upstreamStatus: 418 });
  });
});

describe('fromSdkError', () => {
  it('prefers the abort reason, then the HTTP status, then parse and connection failures', () => {
    const ac = new AbortController();
    const live = new AbortController().signal;
    ac.abort(new Error('client left'));
    expect(fromSdkError(new Error('x'), 'openai', ac.signal).kind).toBe('aborted');
    expect(fromSdkError({ status: 503, error: {}, headers: h({}) }, 'openai', live).kind).toBe('server');
    expect(fromSdkError(new SyntaxError('bad json'), 'openai', live).kind).toBe('malformed');
    expect(fromSdkError({ name: 'APIError', error: { type: 'error', error: { type: 'overloaded_error' } } }, 'anthropic', live).kind).toBe('overloaded');
    expect(fromSdkError(new TypeError('fetch failed'), 'openai', live).kind).toBe('network');
  });
});
