import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLlmStack, GatewayError, type LlmStack } from '../../pkg/llm/index.ts';
import { startMockOpenAI, type MockLlmServer } from '../fixtures/mock-openai.ts';
import { startMockAnthropic } from '../fixtures/mock-anthropic.ts';
import { testSettings } from '../fixtures/llm/proxy.ts';

// The raw forwarder on its own (stack.passthrough.forward): headers, retries, breaker, error answers, streams.
let openai: MockLlmServer;
let anthropic: MockLlmServer;
let stack: LlmStack;
const never = new AbortController().signal;

beforeAll(async () => {
  openai = await startMockOpenAI();
  anthropic = await startMockAnthropic();
  stack = createLlmStack(testSettings(openai.origin, anthropic.origin));
});
afterAll(async () => { await stack.close(); await openai.close(); await anthropic.close(); });
afterEach(() => { openai.reset(); anthropic.reset(); });

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], some_future_field: { x: 1 } });

describe('Passthrough.forward', () => {
  it('sends the body as it came with the proxy key instead of the caller credentials, and returns the upstream answer', async () => {
    const r = await stack.passthrough.forward('openai', {
      path: '/chat/completions', body: chat, model: 'gpt-4o-mini',
      headers: { authorization: 'Bearer caller-key', 'content-type': 'application/json', 'x-client-request-id': 'c-1', 'anthropic-beta': 'x', 'x-stainless-timeout': '600' },
    }, never);
    expect(r).toMatchObject({ status: 200, provider: 'openai', attempts: 1 });
    expect(JSON.parse(r.body!.toString()).choices[0].message.content).toBe('openai-mock: hi');
    const call = openai.calls[0];
    expect(call.body.some_future_field).toEqual({ x: 1 });
    expect(call.headers.authorization).toBe('Bearer sk-test-openai-key-0123456789');
    expect(call.headers['x-client-request-id']).toBe('c-1');
    expect(call.headers['anthropic-beta']).toBeUndefined();
    expect(call.headers['x-stainless-timeout']).toBeUndefined();
  });

  it('adds the Anthropic key and version', async () => {
    const body = JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'yo' }] });
    const r = await stack.passthrough.forward('anthropic', { path: '/v1/messages', body, headers: { 'anthropic-beta': 'files-api-2025-04-14' } }, never);
    expect(JSON.parse(r.body!.toString()).content[0].text).toBe('anthropic-mock: yo');
    expect(anthropic.calls[0].headers).toMatchObject({ 'x-api-key': 'sk-ant-test-anthropic-key-0123456789', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'files-api-2025-04-14' });
  });

  it('retries a 500 under the policy, and gives a 400 back as the upstream wrote it, once', async () => {
    openai.script({ status: 500 });
    const ok = await stack.passthrough.forward('openai', { path: '/chat/completions', body: chat }, never);
    expect(ok.attempts).toBe(2);
    openai.reset();
    const upstreamError = { error: { message: 'too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } };
    openai.script({ status: 400, body: upstreamError, headers: { 'x-request-id': 'req_up_1', 'set-cookie': 'a=b' } });
    const err = await stack.passthrough.forward('openai', { path: '/chat/completions', body: chat }, never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    const e = (err as GatewayError).error;
    expect(e).toMatchObject({ kind: 'client', upstreamStatus: 400, code: 'context_length_exceeded', param: 'messages' });
    expect(JSON.parse(e.upstream!.body.toString())).toEqual(upstreamError);
    expect(e.upstream!.headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'req_up_1', 'x-ratelimit-remaining-requests': '4999' });
    expect(openai.calls).toHaveLength(1);
  });

  it('streams: resolves at the first chunk and yields the rest as bytes', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two' }] });
    const r = await stack.passthrough.forward('openai', { path: '/chat/completions', body, stream: true }, never);
    let text = '';
    for await (const c of r.chunks!) text += c.toString();
    r.close();
    expect(r.headers['content-type']).toBe('text/event-stream');
    expect(text).toContain('"content":"two"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('refuses a provider it cannot reach raw', async () => {
    await expect(stack.passthrough.forward('mock', { path: '/x' }, never)).rejects.toMatchObject({ kind: 'invalid_request' });
  });
});
