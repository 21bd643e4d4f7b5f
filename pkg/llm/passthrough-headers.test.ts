import { describe, expect, it } from 'vitest';
import { clientHeaders, translatedHeaders, upstreamHeaders } from './passthrough-headers.ts';

const caller = {
  host: 'localhost:7701', authorization: 'Bearer caller-secret', 'x-api-key': 'caller-key', cookie: 'a=b', 'content-length': '12',
  'accept-encoding': 'gzip', 'content-type': 'application/json', accept: 'text/event-stream', 'user-agent': 'OpenAI/JS 6.49.0',
  'openai-organization': 'org-1', 'openai-beta': 'assistants=v2', 'anthropic-beta': 'files-api-2025-04-14', 'anthropic-version': '2023-01-01',
  'x-stainless-timeout': '600', 'x-stainless-retry-count': '0', 'x-llm-provider': 'openai', 'x-forwarded-for': '10.0.0.1',
  'x-client-request-id': 'abc', 'idempotency-key': 'k1', origin: 'http://evil', 'x-multi': ['1', '2'],
};

describe('upstreamHeaders', () => {
  it('to OpenAI: the proxy key replaces the caller credentials; openai-* and unknown x-* go on, anthropic-*, telemetry and framing do not', () => {
    const h = upstreamHeaders('openai', 'sk-proxy', caller, true);
    expect(h).toEqual({
      authorization: 'Bearer sk-proxy', 'content-type': 'application/json', accept: 'text/event-stream', 'user-agent': 'OpenAI/JS 6.49.0',
      'openai-organization': 'org-1', 'openai-beta': 'assistants=v2', 'x-client-request-id': 'abc', 'idempotency-key': 'k1', 'x-multi': '1, 2',
    });
  });

  it('to Anthropic: x-api-key is the proxy key, the caller anthropic-version and -beta win, openai-* stays behind', () => {
    const h = upstreamHeaders('anthropic', 'sk-ant-proxy', caller, true);
    expect(h['x-api-key']).toBe('sk-ant-proxy');
    expect(h['anthropic-version']).toBe('2023-01-01');
    expect(h['anthropic-beta']).toBe('files-api-2025-04-14');
    expect(h.authorization).toBeUndefined();
    expect(h['openai-organization']).toBeUndefined();
    expect(Object.values(h)).not.toContain('caller-key');
  });

  it('adds the version and a JSON content type when the caller sent none', () => {
    expect(upstreamHeaders('anthropic', 'k', {}, true)).toEqual({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(upstreamHeaders('openai', 'k', undefined, false)).toEqual({ authorization: 'Bearer k' });
  });
});

describe('translatedHeaders', () => {
  it('renames the request id for the caller\'s SDK and keeps rate-limit headers', () => {
    expect(translatedHeaders('anthropic', { 'content-type': 'application/json', 'x-request-id': 'req_1', 'x-ratelimit-remaining-requests': '9' })).toEqual({ 'request-id': 'req_1', 'x-ratelimit-remaining-requests': '9' });
    expect(translatedHeaders('openai', { 'request-id': 'req_2', 'anthropic-ratelimit-requests-remaining': '3' })).toEqual({ 'x-request-id': 'req_2', 'anthropic-ratelimit-requests-remaining': '3' });
    expect(translatedHeaders('openai', undefined)).toEqual({});
  });
});

describe('clientHeaders', () => {
  it('keeps the request id and rate-limit headers, not the account, cookies or framing', () => {
    expect(clientHeaders({
      'content-type': 'application/json', 'content-length': '99', 'x-request-id': 'req_1', 'request-id': 'req_2', 'retry-after': '3', 'retry-after-ms': '2500',
      'x-ratelimit-remaining-requests': '0', 'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:00Z', 'openai-organization': 'org-1',
      'anthropic-organization-id': 'uuid', 'set-cookie': ['a=b'], 'transfer-encoding': 'chunked', 'openai-processing-ms': '12', server: 'cloudflare',
    })).toEqual({
      'content-type': 'application/json', 'x-request-id': 'req_1', 'request-id': 'req_2', 'retry-after': '3', 'retry-after-ms': '2500',
      'x-ratelimit-remaining-requests': '0', 'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:00Z', 'openai-processing-ms': '12',
    });
  });
});
