import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { testSettings, until } from '../fixtures/llm/proxy.ts';
import { sdkClients } from '../fixtures/llm/sdk-proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { freePort } from '../fixtures/ports.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { metricValue, startGovernedProxy, type GovernedProxy } from './llm-keys-fixture.ts';

// Issue 14 section 2: the tenant-scoped response cache, through the official clients, on the shared Redis.
const GPT = 'gpt-4o-mini';
const CLAUDE = 'claude-sonnet-4-6';
const llm = useLlmSuite();
let proxy: GovernedProxy;
let twin: GovernedProxy;

beforeAll(async () => {
  const settings = testSettings(llm.oai.origin, llm.ant.origin, { retry: { maxAttempts: 1, baseMs: 1, capMs: 10 } });
  proxy = await startGovernedProxy(settings, { redisUrl: sharedRedisUrl() });
  twin = await startGovernedProxy(settings, { redisUrl: sharedRedisUrl() });
});
afterAll(async () => {
  await proxy?.close();
  await twin?.close();
});

const openai = (url: string, headers: Record<string, string> = {}) => sdkClients(url, { headers }).openai;
const anthropic = (url: string, headers: Record<string, string> = {}) => sdkClients(url, { headers }).anthropic;
const CACHE = { 'x-pilotfish-cache': '60' };
/** A prompt no earlier run of this file kept (the shared Redis outlives a run). */
const fresh = (what: string) => `${what} ${randomUUID()}`;
const upstreamCalls = () => llm.oai.calls.length + llm.ant.calls.length;

async function chat(url: string, prompt: string, headers: Record<string, string> = CACHE, extra: Record<string, unknown> = {}) {
  const { data, response } = await openai(url, headers).chat.completions.create({ model: GPT, temperature: 0, messages: [{ role: 'user', content: prompt }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
  return { text: data.choices[0].message.content, cache: response.headers.get('x-cache'), provider: response.headers.get('x-llm-provider'), usage: data.usage };
}

async function chatStream(url: string, prompt: string, headers: Record<string, string> = CACHE) {
  const { data, response } = await openai(url, headers).chat.completions.create({ model: GPT, temperature: 0, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: prompt }] }).withResponse();
  let text = '';
  let finish: string | null = null;
  let usage: unknown;
  for await (const chunk of data) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, finish, usage, cache: response.headers.get('x-cache') };
}

async function waitStored(p: GovernedProxy, n: number) {
  await until(async () => metricValue(await p.metrics.text(), 'llm_response_cache_total', { result: 'stored' }) >= n).catch(async (e: unknown) => {
    throw new Error(`${String(e)}\n${(await p.metrics.text()).split('\n').filter((l) => l.includes('cache')).join('\n')}`);
  });
}

describe('response cache', () => {
  it('a miss is answered by the provider and kept; the same request is then a hit, in another pod too', async () => {
    const prompt = fresh('capital of France');
    const stored = metricValue(await proxy.metrics.text(), 'llm_response_cache_total', { result: 'stored' });
    const first = await chat(proxy.url, prompt);
    expect(first).toMatchObject({ cache: 'miss', provider: 'openai' });
    await waitStored(proxy, stored + 1);
    const second = await chat(proxy.url, prompt);
    expect(second).toMatchObject({ cache: 'hit', provider: 'cache', text: first.text, usage: first.usage });
    const other = await chat(twin.url, prompt);
    expect(other).toMatchObject({ cache: 'hit', text: first.text });
    expect(llm.oai.calls).toHaveLength(1);
    // Key order and the alias do not matter; a semantic change does.
    expect((await chat(proxy.url, prompt, { 'cache-control': 'max-age=60' })).cache).toBe('hit');
    expect((await chat(proxy.url, prompt, CACHE, { max_tokens: 5 })).cache).toBe('miss');
    expect(llm.oai.calls).toHaveLength(2);
  });

  it('says bypass when not asked, when asked not to, and for a sampled answer; a malformed header is a 400', async () => {
    const prompt = fresh('bypass');
    expect((await chat(proxy.url, prompt, {})).cache).toBe('bypass');
    expect((await chat(proxy.url, prompt, { 'x-pilotfish-cache': '0' })).cache).toBe('bypass');
    expect((await chat(proxy.url, prompt, { ...CACHE, 'cache-control': 'no-store' })).cache).toBe('miss');
    expect((await chat(proxy.url, prompt, CACHE, { temperature: 0.8 })).cache).toBe('bypass');
    const bad = await openai(proxy.url, { 'x-pilotfish-cache': 'forever' }).chat.completions.create({ model: GPT, messages: [{ role: 'user', content: prompt }] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('x-pilotfish-cache');
    expect(llm.oai.calls).toHaveLength(4);
  });

  it('a kept stream replays as a well-formed stream, and serves a whole answer too (OpenAI dialect)', async () => {
    const prompt = fresh('stream me');
    const stored = metricValue(await proxy.metrics.text(), 'llm_response_cache_total', { result: 'stored' });
    const first = await chatStream(proxy.url, prompt);
    expect(first).toMatchObject({ cache: 'miss', finish: 'stop' });
    await waitStored(proxy, stored + 1);
    const again = await chatStream(proxy.url, prompt);
    expect(again).toEqual({ ...first, cache: 'hit' });
    const whole = await chat(proxy.url, prompt);
    expect(whole).toMatchObject({ cache: 'hit', text: first.text });
    expect(llm.oai.calls).toHaveLength(1);
  });

  it('replays in the Anthropic dialect: a relayed Claude stream and a translated one', async () => {
    for (const model of [CLAUDE, GPT]) {
      const prompt = fresh(`anthropic ${model}`);
      const stored = metricValue(await proxy.metrics.text(), 'llm_response_cache_total', { result: 'stored' });
      const run = async () => {
        // temperature is not in this SDK version's types; the API (and the mock) take it.
        const params = { model, max_tokens: 100, temperature: 0, stream: true, messages: [{ role: 'user', content: prompt }] } as unknown as Anthropic.MessageCreateParamsStreaming;
        const { data, response } = await anthropic(proxy.url, CACHE).messages.create(params).withResponse();
        const events: string[] = [];
        let text = '';
        for await (const ev of data) {
          events.push(ev.type);
          if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
        }
        return { text, events, cache: response.headers.get('x-cache') };
      };
      const first = await run();
      expect(first.cache).toBe('miss');
      await waitStored(proxy, stored + 1);
      const second = await run();
      expect(second.cache).toBe('hit');
      expect(second.text).toBe(first.text);
      expect(second.events[0]).toBe('message_start');
      expect(second.events.at(-1)).toBe('message_stop');
      const msg = await anthropic(proxy.url, CACHE).messages.create({ model, max_tokens: 100, temperature: 0, messages: [{ role: 'user', content: prompt }] } as unknown as Anthropic.MessageCreateParamsNonStreaming);
      expect(msg.content[0]).toMatchObject({ type: 'text', text: first.text });
    }
    expect(upstreamCalls()).toBe(2);
  });

  it('one tenant never receives another\'s answer', async () => {
    const prompt = fresh('tenant secret');
    const stored = metricValue(await proxy.metrics.text(), 'llm_response_cache_total', { result: 'stored' });
    expect((await chat(proxy.url, prompt, { ...CACHE, 'x-pilotfish-tenant': 'acme' })).cache).toBe('miss');
    await waitStored(proxy, stored + 1);
    expect((await chat(proxy.url, prompt, { ...CACHE, 'x-pilotfish-tenant': 'globex' })).cache).toBe('miss');
    expect((await chat(proxy.url, prompt, CACHE)).cache).toBe('miss');
    expect((await chat(proxy.url, prompt, { ...CACHE, 'x-pilotfish-tenant': 'acme' })).cache).toBe('hit');
    expect(llm.oai.calls).toHaveLength(3);
    const bad = await openai(proxy.url, { ...CACHE, 'x-pilotfish-tenant': 'a:b' }).chat.completions.create({ model: GPT, messages: [{ role: 'user', content: prompt }] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('never keeps a failed, cut or abandoned answer', async () => {
    const prompt = fresh('fragile');
    llm.oai.script({ status: 500 });
    await expect(chat(proxy.url, prompt)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    llm.oai.script({ cutAfter: 2 });
    await expect(chatStream(proxy.url, prompt)).rejects.toThrow();
    llm.oai.script({ errorAfter: 2 });
    await expect(chatStream(proxy.url, prompt)).rejects.toThrow();
    // The client leaves after its first chunk of a slow stream.
    llm.oai.script({ frameDelayMs: 30 });
    const ac = new AbortController();
    const stream = await openai(proxy.url, CACHE).chat.completions.create({ model: GPT, temperature: 0, stream: true, messages: [{ role: 'user', content: prompt }] }, { signal: ac.signal });
    for await (const _chunk of stream) { ac.abort(); break; }
    await until(async () => metricValue(await proxy.metrics.text(), 'llm_requests_total', { provider: 'openai', outcome: 'aborted' }) >= 1);
    const after = await chat(proxy.url, prompt);
    expect(after.cache).toBe('miss');
    expect(after.text).toContain('openai-mock');
  });
});

describe('response cache with its backend down', () => {
  it('answers every request as before, marked X-Cache: unavailable', async () => {
    const down = await startGovernedProxy(testSettings(llm.oai.origin, llm.ant.origin), { redisUrl: `redis://127.0.0.1:${await freePort()}` });
    try {
      const prompt = fresh('no redis');
      const a = await chat(down.url, prompt);
      const b = await chatStream(down.url, prompt);
      expect(a).toMatchObject({ cache: 'unavailable', provider: 'openai' });
      expect(a.text).toContain('openai-mock');
      expect(b).toMatchObject({ cache: 'unavailable', finish: 'stop' });
      expect(llm.oai.calls).toHaveLength(2);
    } finally {
      await down.close();
    }
  });
});
