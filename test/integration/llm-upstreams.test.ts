import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { MockLlmServer } from '../fixtures/llm/mock-server.ts';
import { startAzureLike, startOllamaLike, startVllmLike } from '../fixtures/llm/compatible-upstreams.ts';
import { startTestProxy, testSettings, type TestProxy } from '../fixtures/llm/proxy.ts';
import { sdkClients } from '../fixtures/llm/sdk-proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { parseUpstreams } from '../../pkg/llm/upstreams/index.ts';
import type { LlmSettings } from '../../pkg/llm/index.ts';
import { seededRandom } from '../../bench/sim/rng.ts';

// Named upstreams (LLM_UPSTREAMS) through the official clients: vLLM-, Ollama- and Azure-shaped fakes, routing by
// id, glob, alias and prefix, weighted spread, a tripped breaker skipped, latency routing.

const LLAMA = 'meta-llama/Llama-3.1-8B';
const AZURE_KEY = 'azure-test-key-0123456789';
const AZURE_VERSION = '2024-10-21';

const llm = useLlmSuite();
let vllmA: MockLlmServer;
let vllmB: MockLlmServer;
let ollama: MockLlmServer;
let azure: MockLlmServer;
const proxies: TestProxy[] = [];

async function proxyWith(upstreams: object, extra: Partial<LlmSettings> = {}): Promise<{ proxy: TestProxy; openai: OpenAI; anthropic: Anthropic }> {
  const parsed = parseUpstreams(JSON.stringify(upstreams), 'json', { AZURE_KEY, VLLM_B_KEY: 'vllm-b-key-0123456789' });
  const proxy = await startTestProxy(testSettings(llm.oai.origin, llm.ant.origin, {
    upstreams: parsed.upstreams, routing: { mode: parsed.routing, explore: parsed.explore }, random: seededRandom(7), ...extra,
  }));
  proxies.push(proxy);
  return { proxy, ...sdkClients(proxy.url) };
}

beforeAll(async () => {
  [vllmA, vllmB, ollama, azure] = await Promise.all([
    startVllmLike([LLAMA]), startVllmLike([LLAMA, 'meta-llama/Llama-3.1-70B'], { apiKey: 'vllm-b-key-0123456789' }), startOllamaLike(),
    startAzureLike(['gpt-4o-prod'], AZURE_KEY, AZURE_VERSION),
  ]);
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  await Promise.all([vllmA, vllmB, ollama, azure].map((m) => m?.close()));
});
beforeEach(() => { for (const m of [vllmA, vllmB, ollama, azure]) m.reset(); });

const fleet = () => ({
  upstreams: [
    { name: 'vllm-a', kind: 'openai-compatible', baseURL: `${vllmA.origin}/v1`, models: [LLAMA], weight: 3, headers: { 'X-Team': 'search' } },
    { name: 'vllm-b', kind: 'openai-compatible', baseURL: `${vllmB.origin}/v1`, apiKeyEnv: 'VLLM_B_KEY', models: [LLAMA, 'meta-llama/*'] },
    { name: 'ollama', kind: 'openai-compatible', baseURL: `${ollama.origin}/v1`, models: ['llama3.2:*'] },
    { name: 'azure', kind: 'azure-openai', baseURL: azure.origin, apiKeyEnv: 'AZURE_KEY', apiVersion: AZURE_VERSION, models: ['gpt-4o-prod'] },
  ],
});

describe('named upstreams', () => {
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(async () => {
    ({ openai, anthropic } = await proxyWith(fleet(), { aliases: { llama: { 'vllm-b': LLAMA } } }));
  });

  it('routes a vLLM model id with a slash by its exact id, keyless, with the upstream\'s own headers', async () => {
    const { data, response } = await openai.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('openai-mock: hi');
    expect(['vllm-a', 'vllm-b']).toContain(response.headers.get('x-llm-provider'));
    const served = response.headers.get('x-llm-provider') === 'vllm-a' ? vllmA : vllmB;
    expect(served.calls[0].body.model).toBe(LLAMA);
    if (served === vllmA) {
      expect(served.calls[0].headers.authorization).toBeUndefined();
      expect(served.calls[0].headers['x-team']).toBe('search');
    } else {
      expect(served.calls[0].headers.authorization).toBe('Bearer vllm-b-key-0123456789');
    }
  });

  it('routes by the name/ prefix to that upstream only, and by alias', async () => {
    for (let i = 0; i < 5; i++) {
      const { response } = await openai.chat.completions.create({ model: `vllm-b/${LLAMA}`, messages: [{ role: 'user', content: 'x' }] }).withResponse();
      expect(response.headers.get('x-llm-provider')).toBe('vllm-b');
    }
    expect(vllmA.calls).toHaveLength(0);
    expect(vllmB.calls.map((c) => c.body.model)).toEqual(Array(5).fill(LLAMA));
    const { response } = await openai.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(response.headers.get('x-llm-provider')).toBe('vllm-b');
    expect(response.headers.get('x-llm-model')).toBe(LLAMA);
  });

  it('routes by glob (an exact id wins over a glob elsewhere): a model only the glob names goes to vllm-b; a model of no upstream keeps the built-in rules', async () => {
    const { response } = await openai.chat.completions.create({ model: 'meta-llama/Llama-3.1-70B', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(response.headers.get('x-llm-provider')).toBe('vllm-b');
    const builtIn = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(builtIn.response.headers.get('x-llm-provider')).toBe('openai');
    expect(llm.oai.calls).toHaveLength(1);
  });

  it('spreads 400 requests 3:1 by weight over the two servers of one model', async () => {
    const served: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const { response } = await openai.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: `n${i}` }] }).withResponse();
      const p = response.headers.get('x-llm-provider')!;
      served[p] = (served[p] ?? 0) + 1;
    }
    expect(served['vllm-a'] + served['vllm-b']).toBe(400);
    // Expected 300 / 100; with 400 draws one standard deviation is about 8.7.
    expect(served['vllm-a']).toBeGreaterThan(270);
    expect(served['vllm-a']).toBeLessThan(330);
    expect(vllmA.calls.length).toBe(served['vllm-a']);
  });

  it('Ollama: a stream without usage reaches the OpenAI client well formed, and the Anthropic client translated', async () => {
    const stream = await openai.chat.completions.create({ model: 'llama3.2:3b', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'tell me' }] });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) { text += chunk.choices[0]?.delta?.content ?? ''; finish ??= chunk.choices[0]?.finish_reason; }
    expect(text).toBe('openai-mock: tell me');
    expect(finish).toBe('stop');
    expect(ollama.calls[0].headers.authorization).toBeUndefined();

    const msg = await anthropic.messages.stream({ model: 'llama3.2:3b', max_tokens: 50, messages: [{ role: 'user', content: 'again' }] }).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'openai-mock: again', citations: null }].map(({ citations: _c, ...b }) => expect.objectContaining(b)));
    expect(msg.stop_reason).toBe('end_turn');
  });

  it('Azure: the deployment in the path, api-version in the query, the key in api-key, through both clients, streaming too', async () => {
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-prod', messages: [{ role: 'user', content: 'az' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('openai-mock: az');
    expect(response.headers.get('x-llm-provider')).toBe('azure');
    const call = azure.calls[0];
    expect(call.path).toBe('/openai/deployments/gpt-4o-prod/chat/completions');
    expect(new URL(call.url, 'http://x').searchParams.get('api-version')).toBe(AZURE_VERSION);
    expect(call.headers['api-key']).toBe(AZURE_KEY);
    expect(call.headers.authorization).toBeUndefined();

    const stream = await openai.chat.completions.create({ model: 'gpt-4o-prod', stream: true, messages: [{ role: 'user', content: 'streamed' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('openai-mock: streamed');

    const msg = await anthropic.messages.create({ model: 'gpt-4o-prod', max_tokens: 20, messages: [{ role: 'user', content: 'from claude sdk' }] });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'openai-mock: from claude sdk' });
  });

  it('an Azure key the server refuses is a 503 naming the upstream, never the key', async () => {
    const { openai: wrong } = await proxyWith({ upstreams: [{ name: 'azure-bad', kind: 'azure-openai', baseURL: azure.origin, apiKeyEnv: 'VLLM_B_KEY', apiVersion: AZURE_VERSION, models: ['gpt-4o-prod'] }] });
    const err = await wrong.chat.completions.create({ model: 'gpt-4o-prod', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('azure-bad');
    expect(JSON.stringify((err as InstanceType<typeof OpenAI.APIError>).error)).not.toContain('vllm-b-key');
  });
});

describe('an anthropic-kind upstream under its own name', () => {
  it('serves both clients (pass-through and translated) and names itself in answers and errors', async () => {
    const { openai, anthropic } = await proxyWith({ upstreams: [{ name: 'claude-eu', kind: 'anthropic', baseURL: llm.ant.origin, apiKeyEnv: 'AZURE_KEY', models: ['claude-*'] }] });
    const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'eu' }] }).withResponse();
    expect(msg.response.headers.get('x-llm-provider')).toBe('claude-eu');
    expect(msg.data.content[0]).toMatchObject({ type: 'text', text: 'anthropic-mock: eu' });
    expect(llm.ant.calls[0].headers['x-api-key']).toBe(AZURE_KEY);
    const chat = await openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'translated' }] });
    expect(chat.choices[0].message.content).toBe('anthropic-mock: translated');
    llm.ant.always({ status: 500 });
    const err = await openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toContain('claude-eu');
  });
});

describe('breakers and latency', () => {
  it('skips an upstream whose breaker is open: the other serves at the first attempt, the open one is not called', async () => {
    const { openai } = await proxyWith({ upstreams: fleet().upstreams.slice(0, 2) }, { breaker: { minRequests: 2, errorPct: 50, resetMs: 60_000 }, retry: { maxAttempts: 1, baseMs: 1, capMs: 5 } });
    vllmA.always({ status: 500 });
    // Until the breaker opens, vllm-a fails and vllm-b serves as its fallback.
    for (let i = 0; i < 6; i++) await openai.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'x' }] });
    const failed = vllmA.calls.length;
    expect(failed).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 40; i++) {
      const { response } = await openai.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'x' }] }).withResponse();
      expect(response.headers.get('x-llm-provider')).toBe('vllm-b');
      expect(response.headers.get('x-llm-attempts')).toBe('1');
    }
    expect(vllmA.calls.length).toBe(failed);
  });

  it('routing: latency sends most requests to the faster of two servers, and still explores the slower', async () => {
    const { openai } = await proxyWith({ routing: 'latency', explore: 0.1, upstreams: fleet().upstreams.slice(0, 2).map((u) => ({ ...u, weight: 1 })) });
    // A delay far above a loaded machine's jitter, so the averages order the two the same way on any run.
    vllmA.always({ delayMs: 200 });
    for (let i = 0; i < 60; i++) await openai.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'x' }] });
    expect(vllmA.calls.length + vllmB.calls.length).toBe(60);
    // Expected: the first pick of each (unmeasured), then about 5% explored to the slow one (10% drawn, half of those by weight).
    expect(vllmB.calls.length).toBeGreaterThan(vllmA.calls.length * 3);
    // Exploration: the slow one is measured again now and then, not only once.
    expect(vllmA.calls.length).toBeGreaterThan(1);
  });
});
