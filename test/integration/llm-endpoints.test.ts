import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { embed, generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { z } from 'zod';
import { countTokens } from 'gpt-tokenizer';
import { fakeVector, STORED_RESPONSE } from '../fixtures/llm/openai-endpoints.ts';
import { startTestProxy, testSettings } from '../fixtures/llm/proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { useSdkProxy } from '../fixtures/llm/sdk-proxy.ts';

// The endpoints besides chat, with the real clients pointed at the proxy in front of the fake upstreams:
// Responses (passed through to OpenAI, translated to chat for Claude and the mock), embeddings, legacy completions,
// token counts, and one model by id, in both dialects.
const llm = useLlmSuite({ close: 'all' });
const app = useSdkProxy(llm, { aliases: { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } } });

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Math.abs(x - b[i]) < 1e-6);

describe('POST /v1/embeddings', () => {
  it('passes the openai SDK\'s call through to OpenAI (base64 as the SDK asks, decoded by it), with the request id', async () => {
    const { data, response, request_id } = await app.openai.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] }).withResponse();
    expect(llm.oai.calls).toHaveLength(1);
    expect(llm.oai.calls[0].path).toBe('/v1/embeddings');
    expect(llm.oai.calls[0].body).toMatchObject({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'base64' });
    expect(data.data).toHaveLength(2);
    expect(close(data.data[0].embedding, fakeVector('openai:"alpha"', 8))).toBe(true);
    expect(close(data.data[1].embedding, fakeVector('openai:"beta"', 8))).toBe(true);
    expect(data.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
    expect(request_id).toMatch(/^req_oa/);
    expect(response.headers.get('x-llm-provider')).toBe('openai');
  });

  it('serves the AI SDK\'s embed and LangChain\'s OpenAIEmbeddings', async () => {
    const provider = createOpenAI({ baseURL: `${app.proxy.url}/v1`, apiKey: 'unused-by-proxy' });
    const { embedding } = await embed({ model: provider.embedding('text-embedding-3-small'), value: 'sunny day', maxRetries: 0 });
    expect(close(embedding, fakeVector('openai:"sunny day"', 8))).toBe(true);
    const lc = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey: 'unused-by-proxy', configuration: { baseURL: `${app.proxy.url}/v1` }, maxRetries: 0 });
    const v = await lc.embedQuery('rainy day');
    expect(close(v, fakeVector('openai:"rainy day"', 8))).toBe(true);
    expect(llm.oai.calls.map((c) => c.path)).toEqual(['/v1/embeddings', '/v1/embeddings']);
  });

  it('answers deterministic unit vectors from the mock provider (1536 dimensions unless asked), without any upstream', async () => {
    const a = await app.openai.embeddings.create({ model: 'mock/embed', input: 'same text' });
    const b = await app.openai.embeddings.create({ model: 'mock/embed', input: ['same text', 'other text'], encoding_format: 'float' });
    expect(a.data[0].embedding).toHaveLength(1536);
    expect(close(a.data[0].embedding, b.data[0].embedding)).toBe(true);
    expect(close(b.data[0].embedding, b.data[1].embedding)).toBe(false);
    expect(Math.hypot(...a.data[0].embedding)).toBeCloseTo(1, 4);
    const small = await app.openai.embeddings.create({ model: 'mock/embed', input: 'x', dimensions: 64 });
    expect(small.data[0].embedding).toHaveLength(64);
    expect(llm.oai.calls.length + llm.ant.calls.length).toBe(0);
  });

  it('refuses a model served by Anthropic with a 400 naming the provider and the model', async () => {
    const err = await app.openai.embeddings.create({ model: 'claude-3-5-haiku-latest', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/anthropic/);
    expect((err as Error).message).toMatch(/claude-3-5-haiku-latest/);
    expect(llm.ant.calls).toHaveLength(0);
  });

  it('relays an upstream 429 as a RateLimitError with its retry-after', async () => {
    llm.oai.always({ status: 429, headers: { 'retry-after': '30' } });
    const err = await app.openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e: unknown) => e);
    llm.oai.always(undefined);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('30');
  });
});

describe('POST /v1/completions (legacy)', () => {
  it('passes completions through to OpenAI, JSON and streamed', async () => {
    const c = await app.openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' });
    expect(c.choices[0].text).toBe(' openai-mock completes: Say hi');
    expect(llm.oai.calls[0].path).toBe('/v1/completions');
    const s = await app.openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Stream it', stream: true });
    let text = '';
    for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(' openai-mock completes: Stream it');
  });

  it('refuses a model of another provider with a 400 naming it', async () => {
    const err = await app.openai.completions.create({ model: 'claude-sonnet-4-6', prompt: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/"anthropic"/);
    const mock = await app.openai.completions.create({ model: 'mock-1', prompt: 'x' }).catch((e: unknown) => e);
    expect(mock).toBeInstanceOf(OpenAI.BadRequestError);
    expect((mock as Error).message).toMatch(/"mock"/);
  });
});

describe('POST /v1/messages/count_tokens', () => {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'hello world, how many tokens is this?' }];

  it('passes a Claude model\'s count through to Anthropic', async () => {
    const { data, response } = await app.anthropic.messages.countTokens({ model: 'claude-sonnet-4-6', messages }).withResponse();
    expect(data.input_tokens).toBe(27);
    expect(llm.ant.calls[0].path).toBe('/v1/messages/count_tokens');
    expect(llm.ant.calls[0].body).toEqual({ model: 'claude-sonnet-4-6', messages });
    expect(response.headers.get('x-pilotfish-token-count')).toBeNull();
  });

  it('counts locally for other providers, marked as an estimate, also without /v1', async () => {
    const { data, response } = await app.anthropic.messages.countTokens({ model: 'gpt-4o-mini', system: 'be brief', messages }).withResponse();
    expect(response.headers.get('x-pilotfish-token-count')).toBe('estimate');
    expect(data.input_tokens).toBe(countTokens('be brief') + countTokens('hello world, how many tokens is this?') + 4);
    const bare = await fetch(`${app.proxy.url}/messages/count_tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages }) });
    expect(bare.status).toBe(200);
    expect(bare.headers.get('x-pilotfish-token-count')).toBe('estimate');
    expect(await bare.json()).toEqual({ input_tokens: countTokens('hello world, how many tokens is this?') + 4 });
    expect(llm.oai.calls.length + llm.ant.calls.length).toBe(0);
  });
});

describe('POST /v1/responses/input_tokens', () => {
  it('passes a GPT model\'s count through to OpenAI and estimates for Claude, marked as an estimate', async () => {
    const { data, response } = await app.openai.responses.inputTokens.count({ model: 'gpt-4o-mini', input: 'count me' }).withResponse();
    expect(data).toEqual({ object: 'response.input_tokens', input_tokens: 31 });
    expect(llm.oai.calls[0].path).toBe('/v1/responses/input_tokens');
    expect(response.headers.get('x-pilotfish-token-count')).toBeNull();
    const local = await app.openai.responses.inputTokens.count({ model: 'claude-sonnet-4-6', instructions: 'be brief', input: 'count me' }).withResponse();
    expect(local.response.headers.get('x-pilotfish-token-count')).toBe('estimate');
    expect(local.data).toEqual({ object: 'response.input_tokens', input_tokens: countTokens('be brief') + countTokens('count me') + 4 });
    expect(llm.ant.calls).toHaveLength(0);
  });
});

describe('GET /v1/models/{id}', () => {
  it('answers the openai SDK for aliases, listed and plain ids, and asks the provider for others', async () => {
    expect(await app.openai.models.retrieve('fast')).toMatchObject({ id: 'fast', object: 'model', owned_by: 'pilotfish-alias' });
    expect(await app.openai.models.retrieve('gpt-4o-mini')).toMatchObject({ id: 'gpt-4o-mini', object: 'model', owned_by: 'openai' });
    expect(await app.openai.models.retrieve('openai/gpt-4o-mini')).toMatchObject({ id: 'openai/gpt-4o-mini', object: 'model' });
    expect(llm.oai.calls).toHaveLength(0);
    expect(await app.openai.models.retrieve('gpt-5')).toMatchObject({ id: 'gpt-5', object: 'model', owned_by: 'system' });
    expect(await app.openai.models.retrieve('openai/gpt-5')).toMatchObject({ id: 'openai/gpt-5', object: 'model' });
    expect(llm.oai.calls.map((c) => c.path)).toEqual(['/v1/models/gpt-5', '/v1/models/gpt-5']);
    // A Claude model asked in the OpenAI dialect: Anthropic's answer in the OpenAI shape.
    const claude = await app.openai.models.retrieve('claude-sonnet-4-6');
    expect(claude).toEqual({ id: 'claude-sonnet-4-6', object: 'model', created: Date.parse('2025-02-19T00:00:00Z') / 1000, owned_by: 'anthropic' });
  });

  it('answers the Anthropic SDK in its shape, and 404s become NotFoundError in both SDKs', async () => {
    expect(await app.anthropic.models.retrieve('claude-3-5-haiku-latest')).toMatchObject({ type: 'model', id: 'claude-3-5-haiku-latest' });
    expect(await app.anthropic.models.retrieve('claude-sonnet-4-6')).toMatchObject({ type: 'model', id: 'claude-sonnet-4-6', display_name: 'Claude claude-sonnet-4-6', created_at: '2025-02-19T00:00:00Z' });
    expect(await app.anthropic.models.retrieve('anthropic/claude-sonnet-4-6')).toMatchObject({ type: 'model', id: 'anthropic/claude-sonnet-4-6' });
    expect(await app.anthropic.models.retrieve('gpt-5')).toMatchObject({ type: 'model', id: 'gpt-5', display_name: 'gpt-5', created_at: new Date(1721172741 * 1000).toISOString() });
    expect(await app.anthropic.models.retrieve('mock-1')).toMatchObject({ type: 'model', id: 'mock-1' });
    const a = await app.anthropic.models.retrieve('claude-nope').catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.NotFoundError);
    const o = await app.openai.models.retrieve('gpt-nope').catch((e: unknown) => e);
    expect(o).toBeInstanceOf(OpenAI.NotFoundError);
    expect(o).toMatchObject({ code: 'model_not_found' });
    const cross = await app.anthropic.models.retrieve('gpt-nope').catch((e: unknown) => e);
    expect(cross).toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe('POST /v1/responses passed through to OpenAI', () => {
  it('sends the body as it came (stateful fields and built-in tools included) and returns the answer as it was', async () => {
    const body = { model: 'gpt-4o-mini', input: 'hello there', previous_response_id: 'resp_prev', store: true, tools: [{ type: 'web_search' as const }] };
    const { data, request_id, response } = await app.openai.responses.create(body).withResponse();
    expect(llm.oai.calls).toHaveLength(1);
    expect(llm.oai.calls[0].path).toBe('/v1/responses');
    expect(llm.oai.calls[0].body).toEqual(body);
    expect(data.output_text).toBe('openai-mock: hello there');
    expect(data.usage).toEqual({ input_tokens: 15, input_tokens_details: { cached_tokens: 0 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 23 });
    expect(data.previous_response_id).toBe('resp_prev');
    expect(request_id).toMatch(/^req_oa/);
    expect(response.headers.get('x-llm-provider')).toBe('openai');
  });

  it('relays the event stream byte for byte (no stream_options added) and counts its usage', async () => {
    const stream = await app.openai.responses.create({ model: 'gpt-4o-mini', input: 'stream me', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.output_text.delta') text += e.delta;
    }
    expect(text).toBe('openai-mock: stream me');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(llm.oai.calls[0].body).toEqual({ model: 'gpt-4o-mini', input: 'stream me', stream: true });
    expect(await app.proxy.metrics.text()).toMatch(/llm_tokens_total\{provider="openai",model="gpt-4o-mini",type="output"\} [1-9]/);
  });

  it('ends a stream cut after its first events with an error the openai SDK raises', async () => {
    llm.oai.script({ cutAfter: 4 });
    const stream = await app.openai.responses.create({ model: 'gpt-4o-mini', input: 'cut me', stream: true });
    const err = await (async () => { for await (const e of stream) void e; })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it('passes an upstream 400 on with its code and param', async () => {
    llm.oai.script({ status: 400, body: { error: { message: 'Previous response not found.', type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' } } });
    const err = await app.openai.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_gone' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
  });
});

describe('stored responses (retrieve, input items, cancel, delete) go to OpenAI', () => {
  it('forwards each call raw with its query, and a 404 for an id OpenAI never stored', async () => {
    expect((await app.openai.responses.retrieve(STORED_RESPONSE)).output_text).toBe('stored answer');
    const items = await app.openai.responses.inputItems.list(STORED_RESPONSE, { limit: 5 });
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user' });
    expect(llm.oai.calls[1].url).toBe(`/v1/responses/${STORED_RESPONSE}/input_items?limit=5`);
    expect((await app.openai.responses.cancel(STORED_RESPONSE)).status).toBe('cancelled');
    await app.openai.responses.delete(STORED_RESPONSE);
    expect(llm.oai.calls.map((c) => c.path)).toEqual([`/v1/responses/${STORED_RESPONSE}`, `/v1/responses/${STORED_RESPONSE}/input_items`, `/v1/responses/${STORED_RESPONSE}/cancel`, `/v1/responses/${STORED_RESPONSE}`]);
    const translated = await app.openai.responses.create({ model: 'claude-sonnet-4-6', input: 'x' });
    const err = await app.openai.responses.retrieve(translated.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    const put = await fetch(`${app.proxy.url}/v1/responses/${STORED_RESPONSE}/cancel`);
    expect(put.status).toBe(405);
  });
});

describe('POST /v1/responses across a fallback', () => {
  it('falls back from a failing OpenAI to Claude by translation, but skips the fallback for a request it cannot carry', async () => {
    const p2 = await startTestProxy(testSettings(llm.oai.origin, llm.ant.origin, { fallback: ['anthropic'], retry: { maxAttempts: 1 }, aliases: { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } } }));
    try {
      const client = new OpenAI({ apiKey: 'unused-by-proxy', baseURL: `${p2.url}/v1`, maxRetries: 0 });
      llm.oai.always({ status: 500 });
      const { data, response } = await client.responses.create({ model: 'fast', input: 'survive' }).withResponse();
      expect(data.output_text).toBe('anthropic-mock: survive');
      expect(response.headers.get('x-llm-provider')).toBe('anthropic');
      expect(response.headers.get('x-llm-fallback')).toBe('true');
      const stateful = await client.responses.create({ model: 'fast', input: 'x', previous_response_id: 'resp_1' }).catch((e: unknown) => e);
      expect(stateful).toBeInstanceOf(OpenAI.InternalServerError);
      expect(llm.ant.calls).toHaveLength(1);
    } finally {
      llm.oai.always(undefined);
      await p2.close();
    }
  });
});

describe('POST /v1/responses translated for Claude and the mock', () => {
  const weather = { type: 'function' as const, name: 'weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false };

  it('answers text with instructions, max_output_tokens and temperature carried, and usage in the Responses shape', async () => {
    const { data, request_id } = await app.openai.responses.create({ model: 'claude-sonnet-4-6', instructions: 'be brief', input: 'hello claude', max_output_tokens: 50, temperature: 0.3 }).withResponse();
    expect(data.output_text).toBe('anthropic-mock: hello claude');
    expect(data).toMatchObject({ object: 'response', status: 'completed', model: 'claude-sonnet-4-6', store: false });
    expect(data.usage).toMatchObject({ input_tokens: 13, output_tokens: 9, total_tokens: 22 });
    expect(request_id).toMatch(/^req_an/);
    expect(llm.ant.calls[0].body).toMatchObject({ model: 'claude-sonnet-4-6', system: 'be brief', max_tokens: 50, temperature: 0.3, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello claude' }] }] });
  });

  it('streams the Responses event sequence the SDK accumulates, text and function calls', async () => {
    const stream = await app.openai.responses.create({ model: 'claude-sonnet-4-6', input: 'stream claude', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.output_text.delta') text += e.delta;
    }
    expect(text).toBe('anthropic-mock: stream claude');
    expect(types).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      ...Array(3).fill('response.output_text.delta'), 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    const calls = app.openai.responses.stream({ model: 'claude-sonnet-4-6', input: 'weather in Paris?', tools: [weather], tool_choice: { type: 'function', name: 'weather' } });
    const final = await calls.finalResponse();
    expect(final.output).toEqual([expect.objectContaining({ type: 'function_call', call_id: 'toolu_mock_1', name: 'weather', arguments: '{"city":"Paris","query":"weather in Paris?"}' })]);
    expect(llm.ant.calls[1].body).toMatchObject({ tools: [{ name: 'weather', input_schema: weather.parameters }], tool_choice: { type: 'tool', name: 'weather' } });
  });

  it('carries a function_call and its function_call_output back as tool_use and tool_result', async () => {
    const r = await app.openai.responses.create({
      model: 'claude-sonnet-4-6', tools: [weather],
      input: [
        { role: 'user', content: 'weather in Paris?' },
        { type: 'function_call', call_id: 'toolu_9', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'toolu_9', output: 'sunny, 24C' },
      ],
    });
    expect(r.output_text).toBe('anthropic-mock: tool said sunny, 24C');
    expect(llm.ant.calls[0].body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'sunny, 24C' }] },
    ]);
  });

  it('gives Claude\'s thinking as reasoning items that, sent back, continue a tool round with the signed thinking block', async () => {
    const thinking = { type: 'thinking', thinking: 'I should call weather.', signature: 'sig-abc' };
    llm.ant.script({ reply: { json: { id: 'msg_t', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [thinking, { type: 'tool_use', id: 'toolu_t', name: 'weather', input: { city: 'Paris' } }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 20, output_tokens: 30 } } } });
    const first = await app.openai.responses.create({ model: 'claude-sonnet-4-6', input: 'weather in Paris?', tools: [weather], reasoning: { effort: 'low' } });
    expect(llm.ant.calls[0].body.thinking).toMatchObject({ type: 'enabled' });
    expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'function_call']);
    expect(first.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'I should call weather.' }] });
    const second = await app.openai.responses.create({
      model: 'claude-sonnet-4-6', tools: [weather], reasoning: { effort: 'low' },
      input: [{ role: 'user', content: 'weather in Paris?' }, ...first.output as OpenAI.Responses.ResponseInputItem[], { type: 'function_call_output', call_id: 'toolu_t', output: 'sunny' }],
    });
    expect(second.output_text).toBe('anthropic-mock: tool said sunny');
    expect(llm.ant.calls[1].body.messages[1]).toEqual({ role: 'assistant', content: [thinking, { type: 'tool_use', id: 'toolu_t', name: 'weather', input: { city: 'Paris' } }] });
  });

  it('carries text.format to Claude: json_object answered as JSON text, json_schema streamed as JSON deltas', async () => {
    const obj = await app.openai.responses.create({ model: 'claude-sonnet-4-6', input: 'json please', text: { format: { type: 'json_object' } } });
    expect(JSON.parse(obj.output_text)).toEqual({ city: 'Paris', query: 'json please' });
    const schema = { type: 'object', properties: { city: { type: 'string' }, query: { type: 'string' } }, required: ['city', 'query'], additionalProperties: false };
    const stream = app.openai.responses.stream({ model: 'claude-sonnet-4-6', input: 'schema stream', text: { format: { type: 'json_schema', name: 'weather', schema, strict: true } } });
    const final = await stream.finalResponse();
    expect(JSON.parse(final.output_text)).toEqual({ city: 'Paris', query: 'schema stream' });
    expect(llm.ant.calls[1].body.tools[0].input_schema).toMatchObject(schema);
  });

  it('refuses stored state and built-in tools with a 400 naming the field and the model, before any provider is called', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ previous_response_id: 'resp_1', store: true }, 'previous_response_id'],
      [{ conversation: 'conv_1' }, 'conversation'],
      [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools[0].type'],
    ];
    for (const [extra, param] of cases) {
      const err = await app.openai.responses.create({ model: 'claude-sonnet-4-6', input: 'x', ...extra } as OpenAI.Responses.ResponseCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({ status: 400, param });
      expect((err as Error).message).toContain('claude-sonnet-4-6');
    }
    expect(llm.ant.calls).toHaveLength(0);
  });

  it('ends a translated stream cut after its first events with an error event the openai SDK raises', async () => {
    llm.ant.script({ cutAfter: 3 });
    const stream = await app.openai.responses.create({ model: 'claude-sonnet-4-6', input: 'cut me', stream: true });
    const seen: string[] = [];
    const err = await (async () => { for await (const e of stream) seen.push(e.type); })().catch((e: unknown) => e);
    expect(seen[0]).toBe('response.created');
    expect(seen).not.toContain('response.completed');
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it('answers from the mock provider', async () => {
    const r = await app.openai.responses.create({ model: 'mock-1', input: 'dev stack' });
    expect(r.output_text).toBe('mock: dev stack');
  });
});

describe('the Vercel AI SDK and LangChain on the Responses API', () => {
  const ai = () => createOpenAI({ baseURL: `${app.proxy.url}/v1`, apiKey: 'unused-by-proxy' });

  it('serves generateText, streamText and generateObject of the default openai() model (Responses) from OpenAI', async () => {
    const g = await generateText({ model: ai()('gpt-4o-mini'), prompt: 'ai sdk', maxRetries: 0 });
    expect(g.text).toBe('openai-mock: ai sdk');
    expect(g.usage).toMatchObject({ inputTokens: 15, outputTokens: 8 });
    const s = streamText({ model: ai()('gpt-4o-mini'), prompt: 'ai stream', maxRetries: 0 });
    let text = '';
    for await (const d of s.textStream) text += d;
    expect(text).toBe('openai-mock: ai stream');
    const o = await generateObject({ model: ai()('gpt-4o-mini'), schema: z.object({ city: z.string(), temp: z.number() }), prompt: 'weather', maxRetries: 0 });
    expect(o.object).toEqual({ city: 'mock', temp: 7 });
    expect(llm.oai.calls.map((c) => c.path)).toEqual(['/v1/responses', '/v1/responses', '/v1/responses']);
    expect(llm.oai.calls[2].body.text.format).toMatchObject({ type: 'json_schema', schema: { properties: { city: { type: 'string' } } } });
  });

  it('serves a Claude model through /v1/responses: text, a stream, and a tool round trip', async () => {
    const g = await generateText({ model: ai()('claude-sonnet-4-6'), system: 'short answers', prompt: 'claude via responses', maxRetries: 0 });
    expect(g.text).toBe('anthropic-mock: claude via responses');
    expect(llm.ant.calls[0].body.system).toBe('short answers');
    const s = streamText({ model: ai()('claude-sonnet-4-6'), prompt: 'claude stream', maxRetries: 0 });
    let text = '';
    for await (const d of s.textStream) text += d;
    expect(text).toBe('anthropic-mock: claude stream');
    const withTool = await generateText({
      model: ai()('claude-sonnet-4-6'), prompt: 'weather?', maxRetries: 0, stopWhen: stepCountIs(2),
      tools: { weather: tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `sunny in ${city}` }) },
    });
    expect(withTool.steps).toHaveLength(2);
    expect(withTool.text).toBe('anthropic-mock: tool said sunny in Paris');
  });

  it('carries text.format json_schema to Claude (generateObject on a Claude model through /v1/responses)', async () => {
    // The fake Anthropic answers a forced tool with {"city":"Paris","query":<last user text>}: a schema it satisfies.
    const o = await generateObject({ model: ai()('claude-sonnet-4-6'), schema: z.object({ city: z.string(), query: z.string() }), prompt: 'weather as json', maxRetries: 0 });
    expect(o.object).toEqual({ city: 'Paris', query: 'weather as json' });
    expect(JSON.stringify(llm.ant.calls[0].body)).toContain('"required":["city","query"]');
  });

  it('carries a conversation on a Claude model: the AI SDK names its earlier answer by item_reference, the proxy kept it', async () => {
    const first = await generateText({ model: ai()('claude-sonnet-4-6'), prompt: 'first question', maxRetries: 0 });
    const second = await generateText({
      model: ai()('claude-sonnet-4-6'), maxRetries: 0,
      messages: [{ role: 'user', content: 'first question' }, ...first.response.messages, { role: 'user', content: 'second question' }],
    });
    expect(second.text).toBe('anthropic-mock: second question');
    expect(llm.ant.calls[1].body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'first question' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'anthropic-mock: first question' }] },
      { role: 'user', content: [{ type: 'text', text: 'second question' }] },
    ]);
  });

  it('serves LangChain ChatOpenAI with useResponsesApi, from OpenAI and from Claude', async () => {
    const gpt = new ChatOpenAI({ model: 'gpt-4o-mini', useResponsesApi: true, apiKey: 'unused-by-proxy', configuration: { baseURL: `${app.proxy.url}/v1` }, maxRetries: 0 });
    expect((await gpt.invoke('langchain gpt')).text).toBe('openai-mock: langchain gpt');
    expect(llm.oai.calls[0].path).toBe('/v1/responses');
    const claude = new ChatOpenAI({ model: 'claude-sonnet-4-6', useResponsesApi: true, apiKey: 'unused-by-proxy', configuration: { baseURL: `${app.proxy.url}/v1` }, maxRetries: 0 });
    expect((await claude.invoke('langchain claude')).text).toBe('anthropic-mock: langchain claude');
    let streamed = '';
    for await (const chunk of await claude.stream('langchain stream')) streamed += chunk.text;
    expect(streamed).toBe('anthropic-mock: langchain stream');
    const withTools = claude.bindTools([{ type: 'function', function: { name: 'weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
    const call = await withTools.invoke('weather in Rome?');
    expect(call.tool_calls).toEqual([expect.objectContaining({ name: 'weather', args: { city: 'Paris', query: 'weather in Rome?' } })]);
  });
});
