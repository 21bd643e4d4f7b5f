import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockOpenAI } from '../fixtures/mock-openai.ts';
import { startMockAnthropic } from '../fixtures/mock-anthropic.ts';
import type { MockLlmServer } from '../fixtures/llm/mock-server.ts';
import { testSettings, until } from '../fixtures/llm/proxy.ts';
import { PriceTable } from '../../pkg/llm/pricing/index.ts';
import { metricValue, startGovernedProxy, type GovernedProxy } from './llm-keys-fixture.ts';

// Issue 14 section 3: tokens and cost per tenant, provider and model on /metrics match the maintained price table.
const GPT = 'gpt-4o-mini';
const CLAUDE = 'claude-sonnet-4-6';
const KEY = `pf-cost-${randomBytes(12).toString('hex')}`;
const TOKEN = 'pf-proxy-token-0123456789';
const prices = PriceTable.load();
let oai: MockLlmServer;
let ant: MockLlmServer;
let proxy: GovernedProxy;

beforeAll(async () => {
  oai = await startMockOpenAI();
  ant = await startMockAnthropic();
  proxy = await startGovernedProxy(testSettings(oai.origin, ant.origin), { keys: { [KEY]: { tenant: 'acme' } }, callerTokens: [TOKEN], prices });
});
afterAll(async () => {
  await proxy?.close();
  await oai?.close();
  await ant?.close();
});

/** What the answers the clients received should have cost, by tenant|provider|model. */
const expected = new Map<string, { cost: number; input: number; output: number }>();
function expect_(tenant: string, provider: string, model: string, input: number, output: number) {
  const k = `${tenant}|${provider}|${model}`;
  const e = expected.get(k) ?? { cost: 0, input: 0, output: 0 };
  e.cost += prices.cost(model, { inputTokens: input, outputTokens: output })!;
  e.input += input;
  e.output += output;
  expected.set(k, e);
}

describe('cost metrics', () => {
  it('count tokens and USD per tenant, provider and model at the price table\'s prices, in both dialects, streams included', async () => {
    const acme = new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const globex = new OpenAI({ apiKey: TOKEN, baseURL: `${proxy.url}/v1`, maxRetries: 0, defaultHeaders: { 'x-pilotfish-tenant': 'globex' } });
    const anthropic = new Anthropic({ apiKey: KEY, baseURL: proxy.url, maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      const r = await acme.chat.completions.create({ model: GPT, messages: [{ role: 'user', content: `hi ${i}` }] });
      expect_('acme', 'openai', GPT, r.usage!.prompt_tokens, r.usage!.completion_tokens);
    }
    const stream = await acme.chat.completions.create({ model: GPT, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream' }] });
    for await (const chunk of stream) if (chunk.usage) expect_('acme', 'openai', GPT, chunk.usage.prompt_tokens, chunk.usage.completion_tokens);
    const m = await anthropic.messages.create({ model: CLAUDE, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect_('acme', 'anthropic', CLAUDE, m.usage.input_tokens, m.usage.output_tokens);
    const g = await globex.chat.completions.create({ model: GPT, messages: [{ role: 'user', content: 'hi' }] });
    expect_('globex', 'openai', GPT, g.usage!.prompt_tokens, g.usage!.completion_tokens);
    // A key's tenant wins over the header.
    const both = await new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0, defaultHeaders: { 'x-pilotfish-tenant': 'globex' } }).chat.completions.create({ model: GPT, messages: [{ role: 'user', content: 'x' }] });
    expect_('acme', 'openai', GPT, both.usage!.prompt_tokens, both.usage!.completion_tokens);

    const text = await proxy.metrics.text();
    expect(expected.size).toBe(3);
    for (const [k, e] of expected) {
      const [tenant, provider, model] = k.split('|');
      expect(e.cost).toBeGreaterThan(0);
      expect(metricValue(text, 'llm_cost_usd_total', { tenant, provider, model })).toBeCloseTo(e.cost, 12);
      expect(metricValue(text, 'llm_tenant_tokens_total', { tenant, provider, model, type: 'input' })).toBe(e.input);
      expect(metricValue(text, 'llm_tenant_tokens_total', { tenant, provider, model, type: 'output' })).toBe(e.output);
    }
    // The tenant label is a name, never a key.
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(TOKEN);
  });

  it('a cached answer costs nothing; a model outside the table is counted as unpriced', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0, defaultHeaders: { 'x-pilotfish-cache': '60' } });
    const prompt = `cached ${randomUUID()}`;
    await client.chat.completions.create({ model: GPT, temperature: 0, messages: [{ role: 'user', content: prompt }] });
    await until(async () => metricValue(await proxy.metrics.text(), 'llm_response_cache_total', { result: 'stored' }) >= 1);
    const before = metricValue(await proxy.metrics.text(), 'llm_cost_usd_total', { tenant: 'acme', provider: 'openai', model: GPT });
    const { response } = await client.chat.completions.create({ model: GPT, temperature: 0, messages: [{ role: 'user', content: prompt }] }).withResponse();
    expect(response.headers.get('x-cache')).toBe('hit');
    expect(metricValue(await proxy.metrics.text(), 'llm_cost_usd_total', { tenant: 'acme', provider: 'openai', model: GPT })).toBe(before);
    await client.chat.completions.create({ model: 'mock/unlisted-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(metricValue(await proxy.metrics.text(), 'llm_unpriced_answers_total', { model: 'unlisted-model' })).toBe(1);
  });
});
