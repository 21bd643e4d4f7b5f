import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { eventually } from '../fixtures/poll.ts';
import type { LlmSettings } from '../../pkg/llm/index.ts';

// Time budgets follow the client: the SDKs announce their timeout in x-stainless-timeout; the proxy's deadline is that
// (bounded by LLM_MAX_TIMEOUT_MS), a non-streaming attempt grows with it, a stream keeps its first-event timeout.
const llm = useLlmSuite();

async function proxyWith(extra: Partial<LlmSettings> = {}) {
  // LLM_TIMEOUT_MS 10 s and LLM_ATTEMPT_TIMEOUT_MS 5 s (testSettings): a caller that says nothing gets those.
  const p = await llm.proxy(extra);
  return p;
}

describe('a slow answer', () => {
  // The one real wait of the suite: 35 s upstream, as in the issue. Runs in parallel with the other files.
  it('35 s upstream with the SDKs\' default timeout: one upstream call each, success', { timeout: 90_000 }, async () => {
    // The production defaults: LLM_TIMEOUT_MS 10 min (what the openai SDK's silent default client gets), 30 s attempts.
    const p = await proxyWith({ timeoutMs: 600_000, attemptTimeoutMs: 30_000 });
    llm.oai.script({ delayMs: 35_000 });
    llm.ant.script({ delayMs: 35_000 });
    const openai = new OpenAI({ apiKey: 'x', baseURL: `${p.url}/v1` });
    const anthropic = new Anthropic({ apiKey: 'x', baseURL: p.url });
    const [a, b] = await Promise.all([
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'think long' }] }).withResponse(),
      anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 8192, messages: [{ role: 'user', content: 'think long' }] }).withResponse(),
    ]);
    expect(a.data.choices[0].message.content).toBe('openai-mock: think long');
    expect(b.data.content[0]).toMatchObject({ text: 'anthropic-mock: think long' });
    expect(a.response.headers.get('x-llm-attempts')).toBe('1');
    expect(b.response.headers.get('x-llm-attempts')).toBe('1');
    expect(llm.oai.calls).toHaveLength(1);
    expect(llm.ant.calls).toHaveLength(1);
    expect(llm.oai.calls[0].headers['x-stainless-timeout']).toBeUndefined(); // the budget is the proxy's to apply, not forwarded
  });
});

describe('deadlines', () => {
  it('take the SDK\'s own timeout: the proxy answers 503 deadline before the SDK gives up', async () => {
    // Attempts as long as the deadline, so the deadline (not an attempt timeout) is what ends the call.
    const p = await proxyWith({ attemptTimeoutMs: 60_000 });
    llm.oai.always({ hang: true });
    const openai = new OpenAI({ apiKey: 'x', baseURL: `${p.url}/v1`, maxRetries: 0 });
    // The openai SDK announces a per-request timeout (a client-level one it keeps to itself): 10 s → a 9.5 s deadline
    // (a margin of 5%: wide enough that a busy machine does not let the SDK's own timer win the race).
    const err = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }, { timeout: 10_000 }).catch((e: unknown) => e);
    // A status from the proxy, not the SDK's own APIConnectionTimeoutError.
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 503, code: 'deadline' });
    expect(llm.oai.calls).toHaveLength(1);
    await eventually(() => llm.oai.aborted === 1, 'oai.aborted === 1');
  });

  it('are bounded by LLM_MAX_TIMEOUT_MS', async () => {
    const p = await proxyWith({ maxTimeoutMs: 800 });
    llm.ant.always({ hang: true });
    const anthropic = new Anthropic({ apiKey: 'x', baseURL: p.url, maxRetries: 0 }); // announces 600 s
    const err = await anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as any).status).toBe(503);
    expect((err as any).message).toMatch(/800 ms deadline/);
  });

  it('fall back to LLM_TIMEOUT_MS when the caller announces none', async () => {
    const p = await proxyWith({ timeoutMs: 600 });
    llm.oai.always({ hang: true });
    const r = await fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }) });
    expect(r.status).toBe(503);
    expect(((await r.json()) as any).error.message).toMatch(/600 ms deadline/);
  });
});

describe('streams', () => {
  it('keep their first-event timeout however long the SDK would wait', async () => {
    const p = await proxyWith({ attemptTimeoutMs: 300 });
    llm.oai.script({ delayMs: 1500 });
    const openai = new OpenAI({ apiKey: 'x', baseURL: `${p.url}/v1` });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go' }] });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('openai-mock: go');
    expect(llm.oai.calls).toHaveLength(2); // the first attempt gave no first event within 300 ms: retried
  });
});
