import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { OPENAI_QUOTA_429 } from '../fixtures/mock-openai.ts';
import type { TestProxy } from '../fixtures/llm/proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { eventually } from '../fixtures/poll.ts';
import type { LlmSettings } from '../../pkg/llm/index.ts';

const llm = useLlmSuite();

async function proxyWith(extra: Partial<LlmSettings> = {}) {
  const p = await llm.proxy(extra);
  // Default SDK settings (maxRetries 2): x-should-retry must keep it from multiplying attempts.
  return { proxy: p, openai: new OpenAI({ apiKey: 'app-key', baseURL: `${p.url}/v1` }), anthropic: new Anthropic({ apiKey: 'app-key', baseURL: p.url }) };
}

const chat = (model = 'gpt-4o-mini') => ({ model, messages: [{ role: 'user' as const, content: 'hello' }] });

async function status(p: TestProxy): Promise<any> {
  return (await fetch(`${p.adminUrl}/v1/status`)).json();
}

describe('retries', () => {
  it('are bounded: three upstream calls, then a 503 the calling SDK does not retry', async () => {
    const { openai, proxy } = await proxyWith();
    llm.oai.always({ status: 500 });
    const err = await openai.chat.completions.create(chat()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(503);
    expect(e.headers?.get('x-should-retry')).toBe('false');
    expect(e.headers?.get('x-llm-attempts')).toBe('3');
    expect(llm.oai.calls).toHaveLength(3); // not 3 × (1 + SDK retries)
    const text = await proxy.metrics.text();
    expect(text).toMatch(/llm_retries_total\{provider="openai",reason="server"\} 2/);
    expect(text).toMatch(/llm_requests_total\{provider="openai",model="gpt-4o-mini",dialect="openai",outcome="error"\} 1/);
    const withId = await openai.chat.completions.create(chat(), { headers: { 'x-request-id': 'req-abc-123' } }).catch((x: any) => x);
    expect(withId.headers.get('x-request-id')).toBe('req-abc-123');
    expect(proxy.logs.lines.some((l) => l.includes('"requestId":"req-abc-123"') && l.includes('llm request failed'))).toBe(true);
  });

  it('treat a 200 whose JSON body is cut as a provider failure: retried, in both dialects', async () => {
    const { openai, anthropic } = await proxyWith();
    llm.oai.script({ malformedAfter: 0 });
    const answer = await openai.chat.completions.create(chat()).withResponse();
    expect(answer.data.choices[0].message.content).toBeTruthy();
    expect(answer.response.headers.get('x-llm-attempts')).toBe('2');
    expect(llm.oai.calls).toHaveLength(2);
    llm.ant.always({ malformedAfter: 0 });
    const err = await anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-llm-provider': 'anthropic' } }).catch((e: any) => e);
    expect(err.status).toBe(503);
    expect(err.headers.get('x-llm-attempts')).toBe('3');
    expect(llm.ant.calls).toHaveLength(3);
  });

  it('stop at the overall deadline with a 503 that says so', async () => {
    const { openai } = await proxyWith({ timeoutMs: 400, attemptTimeoutMs: 5000 });
    llm.oai.always({ hang: true });
    const err = await openai.chat.completions.create(chat()).catch((e: any) => e);
    expect(err.status).toBe(503);
    expect(err.error.code).toBe('deadline');
    expect(llm.oai.calls).toHaveLength(1);
    await eventually(() => llm.oai.aborted === 1, 'oai.aborted === 1');
  });

  it('are not made for a 400, nor for a 429 that says the spend limit is reached', async () => {
    const { openai } = await proxyWith();
    llm.oai.script({ status: 400 });
    const bad = await openai.chat.completions.create(chat()).catch((e: any) => e);
    expect(bad.status).toBe(400);
    expect(llm.oai.calls).toHaveLength(1);
    llm.oai.reset();
    llm.oai.script(OPENAI_QUOTA_429, OPENAI_QUOTA_429, OPENAI_QUOTA_429);
    const quota = await openai.chat.completions.create(chat()).catch((e: any) => e);
    expect(quota.status).toBe(503);
    expect(llm.oai.calls).toHaveLength(1);
  });

  it('honour retry-after-ms on a 429, then succeed', async () => {
    const { openai } = await proxyWith({ retry: { maxAttempts: 3, baseMs: 1, capMs: 5000 } });
    llm.oai.script({ status: 429, headers: { 'retry-after-ms': '400' } });
    const t0 = Date.now();
    const { data, response } = await openai.chat.completions.create(chat()).withResponse();
    const waited = Date.now() - t0;
    expect(data.choices[0].message.content).toBe('openai-mock: hello');
    expect(response.headers.get('x-llm-attempts')).toBe('2');
    expect(llm.oai.calls).toHaveLength(2);
    // With a 1 ms backoff base, only the provider's retry-after explains this wait.
    expect(waited).toBeGreaterThanOrEqual(390);
  });

  it('fail over instead of waiting when retry-after is past the cap', async () => {
    const { openai } = await proxyWith({ fallback: ['anthropic'], aliases: { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } }, retry: { maxAttempts: 3, baseMs: 1, capMs: 1000 } });
    llm.oai.script({ status: 429, headers: { 'retry-after': '30' } });
    const { response } = await openai.chat.completions.create(chat('fast')).withResponse();
    expect(response.headers.get('x-llm-provider')).toBe('anthropic');
    expect(llm.oai.calls).toHaveLength(1);
  });

  it('retry a 529 from Anthropic and a hung attempt past its timeout', async () => {
    const { anthropic } = await proxyWith({ attemptTimeoutMs: 1000 });
    llm.ant.script({ status: 529 }, { hang: true });
    // The SDK's 5 s timeout (x-stainless-timeout) is the budget: 4.75 s, attempts of 45% of what is left (2.1 s), so
    // the hung one times out with room for a whole second attempt.
    const { data, response } = await anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }, { timeout: 5000 }).withResponse();
    expect(data.content[0]).toMatchObject({ text: 'anthropic-mock: hello' });
    expect(response.headers.get('x-llm-attempts')).toBe('3');
    expect(llm.ant.calls).toHaveLength(3);
    await eventually(() => llm.ant.aborted === 1, 'ant.aborted === 1'); // the hung upstream call was cancelled, not leaked
  });
});

describe('circuit breaker', () => {
  it('opens under a failure burst, stops calling the provider, and closes after recovery', async () => {
    const { proxy, openai } = await proxyWith({ retry: { maxAttempts: 1 }, breaker: { minRequests: 4, errorPct: 50, resetMs: 400, windowMs: 10_000 } });
    llm.oai.always({ status: 500 });
    for (let i = 0; i < 5; i++) await openai.chat.completions.create(chat()).catch(() => undefined);
    expect((await status(proxy)).providers.openai.breaker).toBe('open');
    expect((await status(proxy)).providers.openai.lastError.kind).toBe('server');
    expect(await proxy.metrics.text()).toMatch(/llm_circuit_state\{provider="openai"\} 2/);
    const callsWhenOpen = llm.oai.calls.length;
    const rejected = await openai.chat.completions.create(chat()).catch((e: any) => e);
    expect(rejected.status).toBe(503);
    expect(rejected.headers.get('x-llm-attempts')).toBe('0');
    expect(llm.oai.calls.length).toBe(callsWhenOpen); // failing fast: no upstream call
    llm.oai.always(undefined);
    await eventually(async () => (await status(proxy)).providers.openai.breaker === 'half_open', 'the openai breaker half open');
    const ok = await openai.chat.completions.create(chat());
    expect(ok.choices[0].message.content).toBe('openai-mock: hello');
    expect((await status(proxy)).providers.openai.breaker).toBe('closed');
    expect(await proxy.metrics.text()).toMatch(/llm_circuit_state\{provider="openai"\} 0/);
  });

  it('does not count client errors as provider failures', async () => {
    const { proxy, openai } = await proxyWith({ retry: { maxAttempts: 1 }, breaker: { minRequests: 2, errorPct: 10 } });
    llm.oai.always({ status: 400 });
    for (let i = 0; i < 5; i++) await openai.chat.completions.create(chat()).catch(() => undefined);
    expect((await status(proxy)).providers.openai.breaker).toBe('closed');
  });
});

describe('fallback and degraded mode', () => {
  const aliases = { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } };

  it('falls back across providers with the model mapped through the alias', async () => {
    const { proxy, openai } = await proxyWith({ fallback: ['anthropic'], aliases });
    llm.oai.always({ status: 503 });
    for (const model of ['fast', 'gpt-4o-mini']) {
      const { data, response } = await openai.chat.completions.create(chat(model)).withResponse();
      expect(data.choices[0].message.content).toBe('anthropic-mock: hello');
      expect(response.headers.get('x-llm-provider')).toBe('anthropic');
      expect(response.headers.get('x-llm-model')).toBe('claude-3-5-haiku-latest');
      expect(response.headers.get('x-llm-fallback')).toBe('true');
      expect(response.headers.get('x-llm-attempts')).toBe('4');
    }
    expect(llm.ant.calls.map((c) => c.body.model)).toEqual(['claude-3-5-haiku-latest', 'claude-3-5-haiku-latest']);
    expect(await proxy.metrics.text()).toMatch(/llm_fallbacks_total\{from="openai",to="anthropic",reason="server"\} 2/);
  });

  it('falls back before the first byte of a stream', async () => {
    const { anthropic } = await proxyWith({ fallback: ['openai'], aliases });
    llm.ant.always({ status: 500 });
    const stream = anthropic.messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'openai-mock: hello' });
    expect(llm.oai.calls[0].body.model).toBe('gpt-4o-mini');
  });

  it('answers a canned message marked x-llm-degraded when every provider failed', async () => {
    const { openai, anthropic } = await proxyWith({ fallback: ['anthropic'], aliases, degradedMode: 'message', degradedMessage: 'try later' });
    llm.oai.always({ status: 500 });
    llm.ant.always({ status: 529 });
    const { data, response } = await openai.chat.completions.create(chat('fast')).withResponse();
    expect(data.choices[0].message.content).toBe('try later');
    expect(response.headers.get('x-llm-degraded')).toBe('true');
    const stream = anthropic.messages.stream({ model: 'fast', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    expect((await stream.finalMessage()).content[0]).toMatchObject({ text: 'try later' });
  });

  it('answers 503 in the caller\'s dialect in error mode', async () => {
    const { anthropic } = await proxyWith({ fallback: ['anthropic'], aliases });
    llm.oai.always({ status: 500 });
    llm.ant.always({ status: 500 });
    const err = await anthropic.messages.create({ model: 'fast', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }).catch((e: any) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(503);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(err.headers.get('x-should-retry')).toBe('false');
    expect([llm.oai.calls.length, llm.ant.calls.length]).toEqual([3, 3]);
  });
});

describe('streaming failures', () => {
  it('retries a stream that fails before its first event (500, malformed SSE)', async () => {
    const { openai } = await proxyWith();
    llm.oai.script({ status: 500 }, { malformedAfter: 0 });
    const stream = await openai.chat.completions.create({ ...chat(), stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('openai-mock: hello');
    expect(llm.oai.calls).toHaveLength(3);
  });

  it('ends a stream cut mid-way with an error event the OpenAI SDK throws on, never a clean end', async () => {
    const { openai } = await proxyWith();
    llm.oai.script({ cutAfter: 2 });
    const stream = await openai.chat.completions.create({ ...chat(), stream: true });
    let text = '';
    const err = await (async () => { for await (const c of stream) text += c.choices[0]?.delta.content ?? ''; })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/upstream stream failed/);
    expect(text).toBe('openai-mock: ');
    expect(llm.oai.calls).toHaveLength(1); // no retry after the first byte
  });

  it('ends an Anthropic-dialect stream with an error event on an upstream error event and on malformed SSE', async () => {
    const { anthropic } = await proxyWith();
    // Anthropic → Anthropic is a pass-through: the upstream's own error event reaches the SDK as it was sent.
    for (const [fault, message] of [[{ errorAfter: 3 }, /mock anthropic stream failure/], [{ malformedAfter: 3 }, /upstream stream failed: malformed/]] as const) {
      llm.ant.script(fault);
      const stream = anthropic.messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
      const err = await stream.finalMessage().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect(String((err as Error).message)).toMatch(message);
    }
    // Served by OpenAI (translated), an upstream failure becomes the proxy's own error event.
    llm.oai.script({ errorAfter: 2 });
    const translated = anthropic.messages.stream({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    expect(String(((await translated.finalMessage().catch((e: unknown) => e)) as Error).message)).toMatch(/upstream stream failed/);
  });

  it('ends a stream that goes silent past the idle timeout with an error event', async () => {
    const { openai } = await proxyWith({ streamIdleMs: 100 });
    llm.oai.script({ frameDelayMs: 300 });
    const stream = await openai.chat.completions.create({ ...chat(), stream: true });
    const err = await (async () => { for await (const _c of stream) { /* read */ } })().catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/idle/);
    await eventually(() => llm.oai.aborted === 1, 'oai.aborted === 1');
  });

  it('counts tokens and time to first token of a served stream', async () => {
    const { proxy, openai } = await proxyWith();
    const stream = await openai.chat.completions.create({ ...chat(), stream: true, stream_options: { include_usage: true } });
    for await (const _c of stream) { /* read */ }
    const text = await proxy.metrics.text();
    expect(text).toMatch(/llm_tokens_total\{provider="openai",model="gpt-4o-mini",type="output"\} 7/);
    expect(text).toMatch(/llm_time_to_first_token_seconds_count\{provider="openai",model="gpt-4o-mini",dialect="openai"\} 1/);
    expect(text).toMatch(/llm_requests_total\{provider="openai",model="gpt-4o-mini",dialect="openai",outcome="success"\} 1/);
  });

  it('cancels the upstream call when the client goes away, streaming or not', async () => {
    const { openai } = await proxyWith();
    llm.oai.script({ hang: true });
    const ac = new AbortController();
    const p = openai.chat.completions.create(chat(), { signal: ac.signal }).catch((e: unknown) => e);
    await eventually(() => llm.oai.calls.length === 1, 'oai.calls.length === 1');
    ac.abort();
    await p;
    await eventually(() => llm.oai.aborted === 1, 'oai.aborted === 1');

    llm.oai.script({ frameDelayMs: 150 });
    const ac2 = new AbortController();
    const stream = await openai.chat.completions.create({ ...chat(), stream: true }, { signal: ac2.signal });
    const reading = (async () => { for await (const _c of stream) ac2.abort(); })().catch((e: unknown) => e);
    await reading;
    await eventually(() => llm.oai.aborted === 2, 'oai.aborted === 2');
  });
});

describe('bad input', () => {
  it('answers 400 in the caller\'s dialect and calls no provider', async () => {
    const { proxy, openai, anthropic } = await proxyWith();
    const post = (path: string, body: string, headers: Record<string, string> = {}) => fetch(`${proxy.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    // What the proxy needs itself (JSON, model, stream flag, provider) is checked on every path; the rest of the body only
    // where the proxy translates it (here: served by the mock), since a same-dialect provider judges its own API.
    const mock = { 'x-llm-provider': 'mock' };
    const cases: [string, string, Record<string, string>?][] = [
      ['{not json', 'invalid_json'],
      [JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }), 'model'],
      [JSON.stringify({ model: 'gpt-4o', stream: 'yes', messages: [] }), 'stream'],
      [JSON.stringify({ model: 'gpt-4o' }), 'messages', mock],
      [JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), 'x-llm-provider', { 'x-llm-provider': 'nosuch' }],
      [JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'bad name!', parameters: {} } }] }), 'tools[0].function.name', mock],
      [JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'ok', parameters: { type: 'string' } } }] }), 'tools[0].function', mock],
    ];
    for (const [body, param, headers] of cases) {
      const r = await post('/v1/chat/completions', body, headers);
      expect(r.status).toBe(400);
      const j: any = await r.json();
      expect(j.error.type).toBe('invalid_request_error');
      expect(j.error.message.length).toBeGreaterThan(0);
      if (param !== 'invalid_json') expect(j.error.param).toBe(param);
      const a = await post('/v1/messages', body.replace('"gpt-4o"', '"claude-x"'), headers);
      expect(a.status).toBe(400);
      expect(await a.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
    const sdkErr = await anthropic.messages.create({ model: 'claude-x', max_tokens: 10, messages: [] }, { headers: mock }).catch((e: any) => e);
    expect(sdkErr.status).toBe(400);
    const oaiErr = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'tool', content: 'x' } as any] }, { headers: mock }).catch((e: any) => e);
    expect(oaiErr.status).toBe(400);
    expect(oaiErr.error.param).toBe('messages[0].tool_call_id');
    const nf = await fetch(`${proxy.url}/v1/assistants`, { method: 'POST', body: '{}' });
    expect(nf.status).toBe(404);
    expect(nf.headers.get('x-llm-attempts')).toBe('0');
    expect(((await nf.json()) as any).error.type).toBe('not_found_error');
    const get = await fetch(`${proxy.url}/v1/messages`, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(llm.oai.calls.length + llm.ant.calls.length).toBe(0);
  });
});
