import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { describeFailure, IncompleteStreamError } from './failure.ts';

const KEY = 'sk-proj-SECRETSECRETSECRET';
const proxyError = (status: number, error: Record<string, unknown>) =>
  APIError.generate(status, { error }, undefined, new Headers({ 'x-should-retry': 'false' }));

describe('describeFailure', () => {
  it('maps a final 503 from the proxy to llm_unavailable with its code', () => {
    expect(describeFailure(proxyError(503, { message: 'all providers failed', type: 'api_error', code: 'deadline' })))
      .toEqual({ code: 'llm_unavailable', message: 'no LLM provider could answer (deadline); try again later' });
  });

  it('maps the caller-fault statuses to llm_rejected naming the field', () => {
    expect(describeFailure(proxyError(400, { message: 'provider "mock" named by x-llm-provider is not configured', code: 'invalid_request', param: 'x-llm-provider' })))
      .toEqual({ code: 'llm_rejected', message: 'the LLM proxy refused the request: 400 (invalid_request), field x-llm-provider' });
    expect(describeFailure(proxyError(413, {})).code).toBe('llm_rejected');
    expect(describeFailure(proxyError(422, {})).code).toBe('llm_rejected');
  });

  it('maps 429 and other statuses', () => {
    expect(describeFailure(proxyError(429, { code: 'rate_limited' })).code).toBe('llm_rate_limited');
    expect(describeFailure(proxyError(502, {})).code).toBe('llm_unavailable');
    expect(describeFailure(proxyError(401, {})).code).toBe('llm_error');
  });

  it('maps an in-band stream error (no status) to llm_stream_failed', () => {
    const inBand = new APIError(undefined, { message: 'upstream stream failed: cut', type: 'upstream_error', code: 'network' }, undefined, new Headers());
    expect(describeFailure(inBand)).toEqual({ code: 'llm_stream_failed', message: 'the model answer failed part way (network)' });
  });

  it('maps connection failures, timeouts, aborts and a stream without a finish', () => {
    expect(describeFailure(new APIConnectionError({ message: 'ECONNREFUSED' })).code).toBe('llm_unreachable');
    expect(describeFailure(new APIConnectionTimeoutError()).code).toBe('llm_timeout');
    expect(describeFailure(new APIUserAbortError()).code).toBe('aborted');
    expect(describeFailure(new IncompleteStreamError()).code).toBe('llm_stream_incomplete');
    expect(new IncompleteStreamError()).toMatchObject({ code: 'llm_stream_incomplete', name: 'IncompleteStreamError' });
    expect(describeFailure(new TypeError('x is undefined'))).toEqual({ code: 'internal', message: 'the chat failed unexpectedly' });
  });

  it('never repeats the upstream message, nor a code or field that is not a plain word', () => {
    const leaky = proxyError(400, { message: `Incorrect API key provided: ${KEY}`, code: `bad key ${KEY}`, param: `${KEY} x` });
    const failure = describeFailure(leaky);
    expect(failure.code).toBe('llm_rejected');
    expect(JSON.stringify(failure)).not.toContain('SECRET');
    expect(failure.message).toBe('the LLM proxy refused the request: 400');
  });
});
