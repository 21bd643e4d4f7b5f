import { describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startTestProxy, testSettings } from '../fixtures/llm/proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { useSdkProxy } from '../fixtures/llm/sdk-proxy.ts';

// What apps use every day, through the proxy with the official SDKs: same-dialect fidelity (fields, blocks, usage
// details, request ids, rate-limit headers, error code/param), each typed error class, large bodies, /messages.
const llm = useLlmSuite({ close: 'all' });
const app = useSdkProxy(llm, { aliases: { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } } });

const anFrame = (type: string, o: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...o })}\n\n`;

describe('OpenAI → OpenAI is a pass-through', () => {
  it('sends file parts, reasoning_effort and unknown fields as they are, and returns usage details, extra fields and the request id', async () => {
    const body = {
      model: 'gpt-4o-mini', reasoning_effort: 'low', metadata: { team: 'a' }, some_new_param: { nested: [1, 2] },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'read this' }, { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } }] }],
    };
    const usage = { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29, prompt_tokens_details: { cached_tokens: 16 }, completion_tokens_details: { reasoning_tokens: 5 } };
    llm.oai.script({ reply: { json: { id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', service_tier: 'default', choices: [{ index: 0, message: { role: 'assistant', content: 'ok', annotations: [], refusal: null }, logprobs: null, finish_reason: 'stop' }], usage } } });
    const { data, response, request_id } = await app.openai.chat.completions.create(body as any).withResponse();
    expect(llm.oai.calls[0].body).toEqual(body);
    expect(data.usage).toEqual(usage);
    expect((data as any).service_tier).toBe('default');
    expect(data.choices[0].message).toMatchObject({ annotations: [], refusal: null });
    expect(request_id).toMatch(/^req_oa/);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('4999');
    expect(response.headers.get('openai-organization')).toBeNull(); // the proxy's account stays behind
    expect(response.headers.get('x-llm-provider')).toBe('openai');
  });

  it('maps only the model of an alias, and keeps the stream as the caller asked it (usage chunk only when asked)', async () => {
    const inputTokens = async () => Number(/llm_tokens_total\{provider="openai",model="gpt-4o-mini",type="input"\} (\d+)/.exec(await app.proxy.metrics.text())?.[1] ?? 0);
    const before = await inputTokens();
    const plain = await app.openai.chat.completions.create({ model: 'fast', stream: true, messages: [{ role: 'user', content: 'one two' }] });
    const chunks: any[] = [];
    for await (const c of plain) chunks.push(c);
    expect(llm.oai.calls[0].body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('openai-mock: one two');
    const withUsage = await app.openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] });
    let usage: unknown;
    for await (const c of withUsage) if (c.usage) usage = c.usage;
    expect(usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect(await inputTokens()).toBe(before + 22); // both streams counted, the first from the usage chunk the caller did not see
  });

  it('passes the provider\'s error code and param (context_length_exceeded) to BadRequestError', async () => {
    llm.oai.script({ status: 400, body: { error: { message: 'This model\'s maximum context length is 128000 tokens.', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } });
    const err = await app.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages', type: 'invalid_request_error' });
    expect((err as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_oa/);
  });
});

describe('Anthropic → Anthropic is a pass-through', () => {
  const history: Anthropic.MessageParam[] = [
    { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }, { type: 'text', text: 'summarise' }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'let me think', signature: 'sig-1' }, { type: 'redacted_thinking', data: 'opaque' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'found' }] }] },
  ];
  const params = {
    model: 'claude-sonnet-4-6', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: history,
    tools: [{ name: 'lookup', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
  } as const;

  it('sends thinking, redacted thinking, documents and server tools as they are; returns their blocks, cache usage and the request id', async () => {
    const usage = { input_tokens: 30, output_tokens: 12, cache_read_input_tokens: 100, cache_creation_input_tokens: 7, server_tool_use: { web_search_requests: 1 } };
    const content = [
      { type: 'thinking', thinking: 'hmm', signature: 'sig-2' },
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://e.x', title: 'E', encrypted_content: 'enc', page_age: null }] },
      { type: 'text', text: 'done', citations: [{ type: 'web_search_result_location', url: 'https://e.x', title: 'E', encrypted_index: 'i', cited_text: 'c' }] },
    ];
    llm.ant.script({ reply: { json: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content, stop_reason: 'end_turn', stop_sequence: null, usage } } });
    const msg = await app.anthropic.messages.create(params as any, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
    expect(llm.ant.calls[0].body).toEqual(params);
    expect(llm.ant.calls[0].headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
    expect(msg.content).toEqual(content);
    expect(msg.usage).toEqual(usage);
    expect(msg._request_id).toMatch(/^req_an/);
  });

  it('streams thinking deltas and signatures through to the SDK\'s accumulated message', async () => {
    const frames = [
      anFrame('message_start', { message: { id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 40, output_tokens: 1, cache_read_input_tokens: 32 } } }),
      anFrame('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      anFrame('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'step one' } }),
      anFrame('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig-3' } }),
      anFrame('content_block_stop', { index: 0 }),
      anFrame('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
      anFrame('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'answer' } }),
      anFrame('content_block_stop', { index: 1 }),
      anFrame('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
      anFrame('message_stop', {}),
    ];
    llm.ant.script({ reply: { frames } });
    const final = await app.anthropic.messages.stream(params as any).finalMessage();
    expect(final.content).toEqual([{ type: 'thinking', thinking: 'step one', signature: 'sig-3' }, { type: 'text', text: 'answer' }]);
    expect(final.usage).toMatchObject({ input_tokens: 40, output_tokens: 15, cache_read_input_tokens: 32 });
  });

  it('hands the provider\'s error body over as it was', async () => {
    const body = { type: 'error', error: { type: 'invalid_request_error', message: 'messages.1.content.0: Invalid signature in thinking block' }, request_id: 'req_up_9' };
    llm.ant.script({ status: 400, body });
    const err = await app.anthropic.messages.create(params as any).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual(body);
  });

  it('answers on /messages without /v1 (@ai-sdk/anthropic with ANTHROPIC_BASE_URL as given)', async () => {
    const r = await fetch(`${app.proxy.url}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).content[0].text).toBe('anthropic-mock: hi');
  });
});

describe('across dialects', () => {
  it('an Anthropic-dialect stream served by OpenAI reports the real input_tokens', async () => {
    const final = await app.anthropic.messages.stream({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }).finalMessage();
    expect(final.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
  });

  it('the provider\'s request id and rate-limit headers reach the caller under its SDK\'s names', async () => {
    const msg = await app.anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(msg.request_id).toMatch(/^req_oa/);
    expect(msg.response.headers.get('x-ratelimit-remaining-requests')).toBe('4999');
    const stream = await app.openai.chat.completions.create({ model: 'claude-3-5-haiku-latest', stream: true, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    for await (const _c of stream.data) { /* read */ }
    expect(stream.request_id).toMatch(/^req_an/);
    expect(stream.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('49');
  });

  it('an OpenAI error code reaches an Anthropic caller in its message', async () => {
    llm.oai.script({ status: 400, body: { error: { message: 'too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } });
    const err = await app.anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toMatch(/context_length_exceeded/);
  });

  it('the proxy\'s own Anthropic client prints no deprecation notice for a deprecated model', async () => {
    const warn = vi.spyOn(console, 'warn');
    const r = await app.openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0].message.content).toBe('anthropic-mock: hi');
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});

describe('typed errors in both SDKs', () => {
  const cases: [number, string, string][] = [
    [400, 'BadRequestError', 'BadRequestError'],
    [403, 'PermissionDeniedError', 'PermissionDeniedError'],
    [404, 'NotFoundError', 'NotFoundError'],
    [413, 'APIError', 'ContentTooLargeError'],
    [429, 'RateLimitError', 'RateLimitError'],
    [500, 'InternalServerError', 'InternalServerError'],
  ];
  it.each(cases)('upstream %i → %s / %s', async (status, openaiClass, anthropicClass) => {
    const headers = status === 429 ? { 'retry-after': '30' } : undefined;
    llm.oai.always({ status, headers });
    llm.ant.always({ status, headers });
    const a = await app.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    const b = await app.anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    const expected = status >= 500 ? 503 : status;
    expect(a).toBeInstanceOf((OpenAI as any)[openaiClass]);
    expect(b).toBeInstanceOf((Anthropic as any)[anthropicClass]);
    expect((a as any).status).toBe(expected);
    expect((b as any).status).toBe(expected);
    if (status === 429) expect((a as any).headers.get('retry-after')).toBe('30');
  });

  it('a relayed provider error that echoes the proxy\'s key is masked', async () => {
    llm.oai.script({ status: 400, body: { error: { message: 'bad key sk-test-openai-key-0123456789 in request', type: 'invalid_request_error', param: null, code: null } } });
    const a = await app.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(OpenAI.BadRequestError);
    expect(JSON.stringify((a as any).error)).not.toContain('sk-test-openai-key');
    expect((a as any).error.message).toContain('[REDACTED]');
  });

  it('an upstream 401 (the proxy\'s own key) is a 503 naming no key, not the app\'s AuthenticationError', async () => {
    llm.oai.always({ status: 401 });
    const a = await app.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(OpenAI.InternalServerError);
    expect((a as any).status).toBe(503);
    expect((a as any).message).toMatch(/openai: auth/);
    expect((a as any).message).not.toContain('sk-test-openai-key');
  });

  it('a body over the proxy limit is a 413 from the proxy, before any provider', async () => {
    const small = await startTestProxy(testSettings(llm.oai.origin, llm.ant.origin), { maxBodyBytes: 4096 });
    try {
      const client = new Anthropic({ apiKey: 'x', baseURL: small.url, maxRetries: 0 });
      const err = await client.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(8000) }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.ContentTooLargeError);
      expect(llm.ant.calls).toHaveLength(0);
    } finally {
      await small.close();
    }
  });
});

describe('large bodies', () => {
  it('two 2.25 MB images in one request reach the provider whole under the default limit', async () => {
    const image = Buffer.alloc(2.25 * 1024 * 1024, 7).toString('base64');
    const msg = await app.anthropic.messages.create({
      model: 'claude-3-5-haiku-latest', max_tokens: 5,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } }, { type: 'text', text: 'compare' }] }],
    });
    expect(msg.content[0]).toMatchObject({ text: 'anthropic-mock: compare' });
    expect(llm.ant.calls[0].body.messages[0].content[1].source.data).toBe(image);
    const viaOpenAI = await app.openai.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } }, { type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } }, { type: 'text', text: 'compare' }] }],
    });
    expect(viaOpenAI.choices[0].message.content).toBe('openai-mock: compare');
  });
});
