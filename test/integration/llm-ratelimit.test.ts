import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { TestProxy } from '../fixtures/llm/proxy.ts';
import type { MockLlmServer } from '../fixtures/llm/mock-server.ts';
import { sdkClients } from '../fixtures/llm/sdk-proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import type { LlmSettings } from '../../pkg/llm/index.ts';

// A 429 is the client's to see: answered as 429 with the provider's retry-after, not retried past the deadline or the
// cap, and never opening the provider's breaker for its other models.
const llm = useLlmSuite();

async function proxyWith(extra: Partial<LlmSettings> = {}) {
  // The default breaker: opens above 50% failures once 10 calls were made in the window.
  const p = await llm.proxy({ breaker: { minRequests: 10, errorPct: 50, windowMs: 30_000, resetMs: 30_000 }, ...extra });
  return { proxy: p, ...sdkClients(p.url) };
}
const status = async (p: TestProxy): Promise<any> => (await fetch(`${p.adminUrl}/v1/status`)).json();
const byModel = (m: MockLlmServer, model: string) => m.calls.filter((c) => c.body?.model === model).length;

describe('a burst of 429s on one model', () => {
  it('OpenAI: 12 concurrent RateLimitErrors with the upstream retry-after, then another model of the provider answers', async () => {
    const { proxy, openai } = await proxyWith();
    // Longer than LLM_RETRY_CAP_MS (2 s here): the proxy does not wait for it, the client gets it.
    llm.oai.when((b) => b.model === 'gpt-4o', { status: 429, headers: { 'retry-after': '20' } });
    const errors = await Promise.all(Array.from({ length: 12 }, () => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)));
    for (const e of errors) {
      expect(e).toBeInstanceOf(OpenAI.RateLimitError);
      const err = e as InstanceType<typeof OpenAI.RateLimitError>;
      expect(err.headers.get('retry-after')).toBe('20');
      expect(err.headers.get('x-should-retry')).toBeNull(); // the SDK's own backoff decides
      expect(err.requestID).toMatch(/^req_oa/);
    }
    expect(byModel(llm.oai, 'gpt-4o')).toBe(12); // no retry inside the proxy
    expect((await status(proxy)).providers.openai.breaker).toBe('closed');
    const ok = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still here?' }] });
    expect(ok.choices[0].message.content).toBe('openai-mock: still here?');
  });

  it('Anthropic: the same, with its RateLimitError and rate_limit_error body', async () => {
    const { proxy, anthropic } = await proxyWith();
    llm.ant.when((b) => b.model === 'claude-opus-4-1', { status: 429, headers: { 'retry-after': '15' } });
    const ask = (model: string) => anthropic.messages.create({ model, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    const errors = await Promise.all(Array.from({ length: 12 }, () => ask('claude-opus-4-1').catch((e: unknown) => e)));
    for (const e of errors) {
      expect(e).toBeInstanceOf(Anthropic.RateLimitError);
      const err = e as InstanceType<typeof Anthropic.RateLimitError>;
      expect(err.headers.get('retry-after')).toBe('15');
      expect(err.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    }
    expect((await status(proxy)).providers.anthropic.breaker).toBe('closed');
    expect((await ask('claude-3-5-haiku-latest')).content[0]).toMatchObject({ text: 'anthropic-mock: x' });
  });
});

describe('429 policy', () => {
  it('waits a short retry-after inside the proxy and serves', async () => {
    const { openai } = await proxyWith();
    llm.oai.script({ status: 429, headers: { 'retry-after-ms': '50' } });
    const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(response.headers.get('x-llm-attempts')).toBe('2');
  });

  it('does not retry a 429 whose wait passes the request\'s deadline (from the SDK timeout)', async () => {
    const { openai } = await proxyWith({ retry: { maxAttempts: 3, baseMs: 5, capMs: 5000 } });
    llm.oai.always({ status: 429, headers: { 'retry-after-ms': '2500' } });
    // timeout 2 s → deadline 1.9 s: a 2.5 s wait cannot fit, even though it is under the 5 s cap.
    const err = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, { timeout: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as any).headers.get('retry-after-ms')).toBe('2500');
    expect(llm.oai.calls).toHaveLength(1);
  });

  it('every candidate rate limited: 429 in the caller\'s dialect with the earliest retry-after', async () => {
    const { openai, anthropic } = await proxyWith({ fallback: ['anthropic'], aliases: { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } } });
    llm.oai.always({ status: 429, headers: { 'retry-after': '40' } });
    llm.ant.always({ status: 429, headers: { 'retry-after': '9' } });
    const a = await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(OpenAI.RateLimitError);
    expect((a as any).headers.get('retry-after')).toBe('9');
    expect((a as any).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit' });
    const b = await anthropic.messages.create({ model: 'fast', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(b).toBeInstanceOf(Anthropic.RateLimitError);
    expect((b as any).headers.get('retry-after')).toBe('9');
  });

  it('one candidate rate limited, the other down: 503 as before', async () => {
    const { openai } = await proxyWith({ fallback: ['anthropic'], aliases: { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } } });
    llm.oai.always({ status: 429, headers: { 'retry-after': '40' } });
    llm.ant.always({ status: 500 });
    const a = await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((a as any).status).toBe(503);
    expect((a as any).headers.get('x-should-retry')).toBe('false');
  });

  it('the calling SDK\'s own backoff honours the 429 it is given', async () => {
    // A 100 ms retry cap in the proxy: a 300 ms retry-after is the client's to wait.
    const p = await llm.proxy({ retry: { maxAttempts: 3, baseMs: 5, capMs: 100 } });
    const client = new OpenAI({ apiKey: 'x', baseURL: `${p.url}/v1`, maxRetries: 1 });
    llm.oai.script({ status: 429, headers: { 'retry-after-ms': '300' } }, { status: 429, headers: { 'retry-after-ms': '20' } });
    const ok = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] });
    expect(ok.choices[0].message.content).toBe('openai-mock: again');
    // The proxy gave up on the first (300 ms > cap) and said so; the SDK waited and asked again; the proxy retried the short one.
    expect(llm.oai.calls).toHaveLength(3);
  });
});
