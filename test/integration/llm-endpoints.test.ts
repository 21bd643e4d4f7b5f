import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { embed } from 'ai';
import { OpenAIEmbeddings } from '@langchain/openai';
import { countTokens } from 'gpt-tokenizer';
import { startMockOpenAI } from '../fixtures/mock-openai.ts';
import { startMockAnthropic } from '../fixtures/mock-anthropic.ts';
import { fakeVector } from '../fixtures/llm/openai-endpoints.ts';
import type { MockLlmServer } from '../fixtures/llm/mock-server.ts';
import { startTestProxy, testSettings, type TestProxy } from '../fixtures/llm/proxy.ts';

// The endpoints besides chat, with the real clients pointed at the proxy in front of the fake upstreams:
// embeddings, legacy completions, token counts, and one model by id, in both dialects.
let oai: MockLlmServer;
let ant: MockLlmServer;
let proxy: TestProxy;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  oai = await startMockOpenAI();
  ant = await startMockAnthropic();
  proxy = await startTestProxy(testSettings(oai.origin, ant.origin, { aliases: { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } } }));
  openai = new OpenAI({ apiKey: 'unused-by-proxy', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'unused-by-proxy', baseURL: proxy.url, maxRetries: 0 });
});
afterAll(async () => {
  await proxy?.close();
  await oai?.close();
  await ant?.close();
});
beforeEach(() => { oai.reset(); ant.reset(); });

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Math.abs(x - b[i]) < 1e-6);

describe('POST /v1/embeddings', () => {
  it('passes the openai SDK\'s call through to OpenAI (base64 as the SDK asks, decoded by it), with the request id', async () => {
    const { data, response, request_id } = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] }).withResponse();
    expect(oai.calls).toHaveLength(1);
    expect(oai.calls[0].path).toBe('/v1/embeddings');
    expect(oai.calls[0].body).toMatchObject({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'base64' });
    expect(data.data).toHaveLength(2);
    expect(close(data.data[0].embedding, fakeVector('openai:"alpha"', 8))).toBe(true);
    expect(close(data.data[1].embedding, fakeVector('openai:"beta"', 8))).toBe(true);
    expect(data.usage).toEqual({ prompt_tokens: 10, total_tokens: 10 });
    expect(request_id).toMatch(/^req_oa/);
    expect(response.headers.get('x-llm-provider')).toBe('openai');
  });

  it('serves the AI SDK\'s embed and LangChain\'s OpenAIEmbeddings', async () => {
    const provider = createOpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused-by-proxy' });
    const { embedding } = await embed({ model: provider.embedding('text-embedding-3-small'), value: 'sunny day', maxRetries: 0 });
    expect(close(embedding, fakeVector('openai:"sunny day"', 8))).toBe(true);
    const lc = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey: 'unused-by-proxy', configuration: { baseURL: `${proxy.url}/v1` }, maxRetries: 0 });
    const v = await lc.embedQuery('rainy day');
    expect(close(v, fakeVector('openai:"rainy day"', 8))).toBe(true);
    expect(oai.calls.map((c) => c.path)).toEqual(['/v1/embeddings', '/v1/embeddings']);
  });

  it('answers deterministic unit vectors from the mock provider (1536 dimensions unless asked), without any upstream', async () => {
    const a = await openai.embeddings.create({ model: 'mock/embed', input: 'same text' });
    const b = await openai.embeddings.create({ model: 'mock/embed', input: ['same text', 'other text'], encoding_format: 'float' });
    expect(a.data[0].embedding).toHaveLength(1536);
    expect(close(a.data[0].embedding, b.data[0].embedding)).toBe(true);
    expect(close(b.data[0].embedding, b.data[1].embedding)).toBe(false);
    expect(Math.hypot(...a.data[0].embedding)).toBeCloseTo(1, 4);
    const small = await openai.embeddings.create({ model: 'mock/embed', input: 'x', dimensions: 64 });
    expect(small.data[0].embedding).toHaveLength(64);
    expect(oai.calls.length + ant.calls.length).toBe(0);
  });

  it('refuses a model served by Anthropic with a 400 naming the provider and the model', async () => {
    const err = await openai.embeddings.create({ model: 'claude-3-5-haiku-latest', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/anthropic/);
    expect((err as Error).message).toMatch(/claude-3-5-haiku-latest/);
    expect(ant.calls).toHaveLength(0);
  });

  it('relays an upstream 429 as a RateLimitError with its retry-after', async () => {
    oai.always({ status: 429, headers: { 'retry-after': '30' } });
    const err = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e: unknown) => e);
    oai.always(undefined);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('30');
  });
});

describe('POST /v1/completions (legacy)', () => {
  it('passes completions through to OpenAI, JSON and streamed', async () => {
    const c = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' });
    expect(c.choices[0].text).toBe(' openai-mock completes: Say hi');
    expect(oai.calls[0].path).toBe('/v1/completions');
    const s = await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Stream it', stream: true });
    let text = '';
    for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(' openai-mock completes: Stream it');
  });

  it('refuses a model of another provider with a 400 naming it', async () => {
    const err = await openai.completions.create({ model: 'claude-sonnet-4-5', prompt: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/"anthropic"/);
    const mock = await openai.completions.create({ model: 'mock-1', prompt: 'x' }).catch((e: unknown) => e);
    expect(mock).toBeInstanceOf(OpenAI.BadRequestError);
    expect((mock as Error).message).toMatch(/"mock"/);
  });
});

describe('POST /v1/messages/count_tokens', () => {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'hello world, how many tokens is this?' }];

  it('passes a Claude model\'s count through to Anthropic', async () => {
    const { data, response } = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', messages }).withResponse();
    expect(data.input_tokens).toBe(27);
    expect(ant.calls[0].path).toBe('/v1/messages/count_tokens');
    expect(ant.calls[0].body).toEqual({ model: 'claude-sonnet-4-5', messages });
    expect(response.headers.get('x-pilotfish-token-count')).toBeNull();
  });

  it('counts locally for other providers, marked as an estimate, also without /v1', async () => {
    const { data, response } = await anthropic.messages.countTokens({ model: 'gpt-4o-mini', system: 'be brief', messages }).withResponse();
    expect(response.headers.get('x-pilotfish-token-count')).toBe('estimate');
    expect(data.input_tokens).toBe(countTokens('be brief') + countTokens('hello world, how many tokens is this?') + 4);
    const bare = await fetch(`${proxy.url}/messages/count_tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock-1', messages }) });
    expect(bare.status).toBe(200);
    expect(bare.headers.get('x-pilotfish-token-count')).toBe('estimate');
    expect(await bare.json()).toEqual({ input_tokens: countTokens('hello world, how many tokens is this?') + 4 });
    expect(oai.calls.length + ant.calls.length).toBe(0);
  });
});

describe('GET /v1/models/{id}', () => {
  it('answers the openai SDK for aliases, listed and plain ids, and asks the provider for others', async () => {
    expect(await openai.models.retrieve('fast')).toMatchObject({ id: 'fast', object: 'model', owned_by: 'pilotfish-alias' });
    expect(await openai.models.retrieve('gpt-4o-mini')).toMatchObject({ id: 'gpt-4o-mini', object: 'model', owned_by: 'openai' });
    expect(await openai.models.retrieve('openai/gpt-4o-mini')).toMatchObject({ id: 'openai/gpt-4o-mini', object: 'model' });
    expect(oai.calls).toHaveLength(0);
    expect(await openai.models.retrieve('gpt-5')).toMatchObject({ id: 'gpt-5', object: 'model', owned_by: 'system' });
    expect(await openai.models.retrieve('openai/gpt-5')).toMatchObject({ id: 'openai/gpt-5', object: 'model' });
    expect(oai.calls.map((c) => c.path)).toEqual(['/v1/models/gpt-5', '/v1/models/gpt-5']);
    // A Claude model asked in the OpenAI dialect: Anthropic's answer in the OpenAI shape.
    const claude = await openai.models.retrieve('claude-sonnet-4-5');
    expect(claude).toEqual({ id: 'claude-sonnet-4-5', object: 'model', created: Date.parse('2025-02-19T00:00:00Z') / 1000, owned_by: 'anthropic' });
  });

  it('answers the Anthropic SDK in its shape, and 404s become NotFoundError in both SDKs', async () => {
    expect(await anthropic.models.retrieve('claude-3-5-haiku-latest')).toMatchObject({ type: 'model', id: 'claude-3-5-haiku-latest' });
    expect(await anthropic.models.retrieve('claude-sonnet-4-5')).toMatchObject({ type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude claude-sonnet-4-5', created_at: '2025-02-19T00:00:00Z' });
    expect(await anthropic.models.retrieve('anthropic/claude-sonnet-4-5')).toMatchObject({ type: 'model', id: 'anthropic/claude-sonnet-4-5' });
    expect(await anthropic.models.retrieve('gpt-5')).toMatchObject({ type: 'model', id: 'gpt-5', display_name: 'gpt-5', created_at: new Date(1721172741 * 1000).toISOString() });
    expect(await anthropic.models.retrieve('mock-1')).toMatchObject({ type: 'model', id: 'mock-1' });
    const a = await anthropic.models.retrieve('claude-nope').catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.NotFoundError);
    const o = await openai.models.retrieve('gpt-nope').catch((e: unknown) => e);
    expect(o).toBeInstanceOf(OpenAI.NotFoundError);
    expect(o).toMatchObject({ code: 'model_not_found' });
    const cross = await anthropic.models.retrieve('gpt-nope').catch((e: unknown) => e);
    expect(cross).toBeInstanceOf(Anthropic.NotFoundError);
  });
});
