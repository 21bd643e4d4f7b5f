import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../../pkg/knowledge/index.ts';
import { captureLogs, createLogger } from '../../pkg/log/index.ts';
import type { LlmSettings } from '../../pkg/llm/index.ts';
import { ChatOrchestrator, type ChatEvent, type OrchestratorOptions } from '../../pkg/orchestrator/index.ts';
import { lastUserText, startMockLlm, type Answer, type MockLlmServer } from '../fixtures/llm/mock-server.ts';
import { startTestProxy, testSettings, type TestProxy } from '../fixtures/llm/proxy.ts';
import { eventually } from '../fixtures/poll.ts';
import { startMockAnthropic } from '../fixtures/mock-anthropic.ts';
import { freePort } from '../fixtures/ports.ts';
import { openaiFixture, startMockOpenAI } from '../fixtures/mock-openai.ts';

type Lookup = OrchestratorOptions['lookup'];
type EventOf<T extends ChatEvent['type']> = Extract<ChatEvent, { type: T }>;

const OPENAI_KEY = testSettings('http://x', 'http://y').openai!.apiKey;
const QUESTION = 'how does the circuit breaker open';

let docs: string;
let kb: KnowledgeBase;
let oai: MockLlmServer;
let ant: MockLlmServer;
const closers: (() => Promise<void>)[] = [];
const logs = captureLogs();
const logger = createLogger({ name: 'orchestrator-test', destination: logs.stream, level: 'debug' });

beforeAll(async () => {
  docs = mkdtempSync(join(tmpdir(), 'orchestrator-docs-'));
  writeFileSync(join(docs, 'breaker.md'), '# Circuit breaker\n\nThe breaker opens when the failure percentage over the window is above the threshold.\n');
  writeFileSync(join(docs, 'cache.md'), '# Cache sidecar\n\nAnswers X-Cache hit, miss or unavailable and never fails the app.\n');
  kb = await KnowledgeBase.open({ dir: docs, watch: false, logger });
  oai = await startMockOpenAI();
  ant = await startMockAnthropic();
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  oai.reset();
});
afterAll(async () => {
  await kb?.close();
  await oai?.close();
  await ant?.close();
  rmSync(docs, { recursive: true, force: true });
});

async function proxyTo(upstream: MockLlmServer, extra: Partial<LlmSettings> = {}): Promise<TestProxy> {
  const proxy = await startTestProxy(testSettings(upstream.origin, ant.origin, extra));
  closers.push(() => proxy.close());
  return proxy;
}

/** The app's lookup, minus the cache sidecar: the real knowledge index, recording each call. */
function recordingLookup() {
  const calls: { args: Parameters<Lookup>[0]; tenant: string }[] = [];
  const lookup: Lookup = async (args, ctx) => {
    calls.push({ args, tenant: ctx.tenant });
    return { results: kb.search(args.query, args.limit ?? 5).results, cache: 'miss' };
  };
  return { calls, lookup };
}

function orchestrator(proxy: TestProxy, options: Partial<OrchestratorOptions> = {}) {
  const { calls, lookup } = recordingLookup();
  let toolRounds = 0;
  const chat = new ChatOrchestrator({ proxyUrl: proxy.url, lookup, onToolRound: () => { toolRounds++; }, logger, ...options });
  return { chat, lookups: calls, toolRounds: () => toolRounds };
}

async function run(chat: ChatOrchestrator, opts: { useMockProvider?: boolean; model?: string; signal?: AbortSignal; question?: string } = {}): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  await chat.run({
    messages: [{ role: 'user', content: opts.question ?? QUESTION }],
    model: opts.model,
    tenant: 'acme',
    useMockProvider: opts.useMockProvider ?? false,
    signal: opts.signal ?? new AbortController().signal,
  }, (e) => events.push(e));
  return events;
}

/** Event types in order, a run of tokens written once as `token*`. */
function shape(events: ChatEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const t = e.type === 'token' ? 'token*' : e.type;
    if (t !== 'token*' || out[out.length - 1] !== 'token*') out.push(t);
  }
  return out;
}

const text = (events: ChatEvent[]) => events.filter((e): e is EventOf<'token'> => e.type === 'token').map((e) => e.data.text).join('');
const only = <T extends ChatEvent['type']>(events: ChatEvent[], type: T): EventOf<T>['data'][] =>
  events.filter((e): e is EventOf<T> => e.type === type).map((e: EventOf<T>) => e.data as EventOf<T>['data']);

/** A fake OpenAI upstream whose answers pass through `rewrite` (per call number, from 0). */
async function rewritingUpstream(rewrite: (body: any, call: number) => Answer): Promise<MockLlmServer> {
  let n = 0;
  const server = await startMockLlm({ ...openaiFixture, answer: (body) => rewrite(body, n++) });
  closers.push(() => server.close());
  return server;
}

/** Replaces the name and arguments of the (one) tool call in a streamed answer. */
function withToolCall(answer: Answer, name: string, args: string): Answer {
  let argsSent = false;
  const frames = answer.frames.map((f) => {
    if (!f.startsWith('data: {')) return f;
    const chunk = JSON.parse(f.slice(6));
    for (const call of chunk.choices?.[0]?.delta?.tool_calls ?? []) {
      if (call.function?.name) call.function.name = name;
      if (call.function?.arguments) { call.function.arguments = argsSent ? '' : args; argsSent = true; }
    }
    return `data: ${JSON.stringify(chunk)}\n\n`;
  });
  return { ...answer, frames };
}

describe('chat with a tool round trip', () => {
  it('through the proxy\'s mock provider: tool_call, tool_result from the real index, the answer, done', async () => {
    const proxy = await proxyTo(oai);
    const { chat, lookups, toolRounds } = orchestrator(proxy);
    const events = await run(chat, { useMockProvider: true });

    expect(shape(events)).toEqual(['tool_call', 'tool_result', 'token*', 'done']);
    const [call] = only(events, 'tool_call');
    expect(call.name).toBe('knowledge_lookup');
    expect(JSON.parse(call.arguments)).toEqual({ query: QUESTION });
    expect(lookups).toEqual([{ args: { query: QUESTION }, tenant: 'acme' }]);
    const [result] = only(events, 'tool_result');
    expect(result).toMatchObject({ id: call.id, name: 'knowledge_lookup', cache: 'miss' });
    if (!('cache' in result)) throw new Error('expected results');
    expect(result.results[0]).toMatchObject({ title: 'Circuit breaker', path: 'breaker.md' });
    expect(Object.keys(result.results[0]).sort()).toEqual(['path', 'score', 'snippet', 'title']);
    // The mock answers with what the tool said: the results reached the model.
    expect(text(events)).toMatch(/^mock: tool said \{"results":\[\{"title":"Circuit breaker","path":"breaker.md"/);

    const [done] = only(events, 'done');
    expect(done).toMatchObject({ provider: 'mock', model: 'gpt-4o-mini', rounds: 1 });
    expect(done.usage.total_tokens).toBe(done.usage.prompt_tokens + done.usage.completion_tokens);
    expect(done.usage.completion_tokens).toBeGreaterThan(0);
    expect(toolRounds()).toBe(1);
    expect(oai.calls).toHaveLength(0);
  });

  it('through the proxy to the fake OpenAI upstream: the SDK request, the tool messages, usage summed over rounds', async () => {
    const proxy = await proxyTo(oai);
    const { chat, lookups } = orchestrator(proxy);
    const events = await run(chat);

    expect(shape(events)).toEqual(['tool_call', 'tool_result', 'token*', 'done']);
    const [call] = only(events, 'tool_call');
    expect(call).toMatchObject({ id: 'call_mock_1', name: 'knowledge_lookup' });
    expect(lookups.map((l) => l.args.query)).toEqual([QUESTION]);
    expect(text(events)).toMatch(/^openai-mock: tool said \{"results":\[\{"title":"Circuit breaker"/);
    // The fake upstream reports 11 + 7 tokens per call; two calls.
    expect(only(events, 'done')).toEqual([{ usage: { prompt_tokens: 22, completion_tokens: 14, total_tokens: 36 }, provider: 'openai', model: 'gpt-4o-mini', rounds: 1 }]);

    expect(oai.calls).toHaveLength(2);
    const [first, second] = oai.calls.map((c) => c.body);
    expect(first).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, tool_choice: 'auto' });
    expect(first.tools.map((t: any) => t.function.name)).toEqual(['knowledge_lookup']);
    expect(second.messages.slice(1)).toMatchObject([
      { role: 'assistant', tool_calls: [{ id: 'call_mock_1', type: 'function', function: { name: 'knowledge_lookup' } }] },
      { role: 'tool', tool_call_id: 'call_mock_1' },
    ]);
    expect(JSON.parse(second.messages[2].content).results[0].path).toBe('breaker.md');
    // The app's placeholder key stops at the proxy; the upstream sees the proxy's own.
    expect(oai.calls[0].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it('reports the model that served, from the proxy\'s headers, for a per-request alias', async () => {
    const proxy = await proxyTo(oai, { aliases: { smart: { openai: 'gpt-4o' } } });
    const { chat } = orchestrator(proxy, { defaultModel: 'never-used' });
    const events = await run(chat, { model: 'smart' });
    expect(only(events, 'done')[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o' });
    expect(oai.calls.map((c) => c.body.model)).toEqual(['gpt-4o', 'gpt-4o']);
  });
});

describe('the tool loop', () => {
  it('stops at maxToolRounds against a model that always calls the tool, then forces an answer', async () => {
    // Unless told "none", this model calls the tool again whatever the tool said.
    const upstream = await rewritingUpstream((body) => openaiFixture.answer({ ...body, messages: [...body.messages, { role: 'user', content: lastUserText(body.messages) }] }));
    const proxy = await proxyTo(upstream);
    const { chat, lookups, toolRounds } = orchestrator(proxy, { maxToolRounds: 2 });
    const events = await run(chat);

    expect(shape(events)).toEqual(['tool_call', 'tool_result', 'tool_call', 'tool_result', 'token*', 'done']);
    expect(upstream.calls.map((c) => c.body.tool_choice)).toEqual(['auto', 'auto', 'none']);
    expect(lookups).toHaveLength(2);
    expect(toolRounds()).toBe(2);
    expect(only(events, 'done')[0]).toMatchObject({ rounds: 2, usage: { total_tokens: 54 } });
    // The history the forced call carries: both rounds' calls and results.
    expect(upstream.calls[2].body.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool']);
  });

  it('turns arguments that are not JSON into a tool error the model reads, without a lookup', async () => {
    const upstream = await rewritingUpstream((body, n) => {
      const answer = openaiFixture.answer(body);
      return n === 0 ? withToolCall(answer, 'knowledge_lookup', '{"query": "breaker') : answer;
    });
    const proxy = await proxyTo(upstream);
    const { chat, lookups } = orchestrator(proxy);
    const events = await run(chat);

    expect(shape(events)).toEqual(['tool_call', 'tool_result', 'token*', 'done']);
    expect(only(events, 'tool_call')[0].arguments).toBe('{"query": "breaker');
    const [result] = only(events, 'tool_result');
    expect(result).toEqual({ id: 'call_mock_1', name: 'knowledge_lookup', error: expect.stringMatching(/not valid JSON/), results: [] });
    expect(lookups).toHaveLength(0);
    const toolMessage = upstream.calls[1].body.messages[2];
    expect(JSON.parse(toolMessage.content)).toEqual({ error: expect.stringMatching(/not valid JSON/) });
    expect(text(events)).toContain('not valid JSON');
  });

  it('answers an unknown tool with an error naming the one there is', async () => {
    const upstream = await rewritingUpstream((body, n) => {
      const answer = openaiFixture.answer(body);
      return n === 0 ? withToolCall(answer, 'delete_everything', '{}') : answer;
    });
    const proxy = await proxyTo(upstream);
    const { chat, lookups } = orchestrator(proxy);
    const events = await run(chat);
    expect(only(events, 'tool_result')).toEqual([{ id: 'call_mock_1', name: 'delete_everything', error: 'unknown tool "delete_everything"; the only tool is knowledge_lookup', results: [] }]);
    expect(lookups).toHaveLength(0);
    expect(only(events, 'done')).toHaveLength(1);
  });
});

describe('failures become one error event', () => {
  it('a final 503 from the proxy: llm_unavailable, and the SDK does not retry on top of the proxy', async () => {
    const proxy = await proxyTo(oai);
    const { chat } = orchestrator(proxy);
    oai.always({ status: 500 });
    const events = await run(chat);
    expect(events).toEqual([{ type: 'error', data: { code: 'llm_unavailable', message: expect.stringMatching(/^no LLM provider could answer/) } }]);
    expect(oai.calls).toHaveLength(3); // the proxy's three attempts, not 3 × (1 + SDK retries)
  });

  it('an upstream that echoes the key: the error event and the app\'s logs carry no secret', async () => {
    const proxy = await proxyTo(oai);
    const { chat } = orchestrator(proxy);
    oai.always({ status: 401, body: { error: { message: `Incorrect API key provided: ${OPENAI_KEY}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const events = await run(chat);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', data: { code: 'llm_unavailable' } });
    expect(JSON.stringify(events)).not.toContain(OPENAI_KEY);
    expect(logs.text()).not.toContain(OPENAI_KEY);
  });

  it('the mock asked for but not enabled: llm_rejected naming x-llm-provider, no provider called', async () => {
    const proxy = await proxyTo(oai, { mock: false });
    const { chat } = orchestrator(proxy);
    const events = await run(chat, { useMockProvider: true });
    expect(events).toEqual([{ type: 'error', data: { code: 'llm_rejected', message: 'the LLM proxy refused the request: 400 (invalid_request), field x-llm-provider' } }]);
    expect(oai.calls).toHaveLength(0);
  });

  it('a stream that fails after its first byte: llm_stream_failed', async () => {
    const proxy = await proxyTo(oai);
    const { chat } = orchestrator(proxy);
    oai.script({ errorAfter: 2 });
    const events = await run(chat);
    expect(events).toEqual([{ type: 'error', data: { code: 'llm_stream_failed', message: expect.stringMatching(/^the model answer failed part way/) } }]);
  });

  it('the proxy not listening: llm_unreachable', async () => {
    const chat = new ChatOrchestrator({ proxyUrl: `http://127.0.0.1:${await freePort()}`, lookup: recordingLookup().lookup, logger });
    expect(await run(chat)).toEqual([{ type: 'error', data: { code: 'llm_unreachable', message: 'the LLM proxy could not be reached' } }]);
  });
});

describe('cancellation', () => {
  it('a client that goes mid-answer cancels the upstream call, and no event follows', async () => {
    const proxy = await proxyTo(oai);
    const { chat } = orchestrator(proxy);
    // A slow generation, so the abort lands while the answer is still streaming.
    oai.always({ frameDelayMs: 30 });
    const ac = new AbortController();
    const events: ChatEvent[] = [];
    await chat.run({ messages: [{ role: 'user', content: QUESTION }], tenant: 'acme', useMockProvider: false, signal: ac.signal }, (e) => {
      events.push(e);
      if (e.type === 'token') ac.abort();
    });
    // run() has returned: nothing can be emitted any more, and the abort came on the first token.
    expect(shape(events)).toEqual(['tool_call', 'tool_result', 'token*']);
    expect(only(events, 'token')).toHaveLength(1);
    await eventually(() => oai.aborted === 1, 'oai.aborted === 1');
    expect(oai.calls).toHaveLength(2);
    await eventually(async () => /llm_requests_total\{[^}]*outcome="aborted"\} 1/.test(await proxy.metrics.text()), 'llm_requests_total counts the aborted request');
  });

  it('a client that goes during a lookup: the lookup sees the abort, no tool_result and no further call', async () => {
    const proxy = await proxyTo(oai);
    const ac = new AbortController();
    let lookupSignal: AbortSignal | undefined;
    const lookup: Lookup = (_args, ctx) => new Promise((_resolve, reject) => {
      lookupSignal = ctx.signal;
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      ac.abort();
    });
    const chat = new ChatOrchestrator({ proxyUrl: proxy.url, lookup, logger });
    const events = await run(chat, { signal: ac.signal });
    expect(shape(events)).toEqual(['tool_call']);
    expect(lookupSignal?.aborted).toBe(true);
    expect(oai.calls).toHaveLength(1);
  });
});
