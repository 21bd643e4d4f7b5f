import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '#pkg/kv/index.ts';
import { runSidecar, type RunningSidecar } from './cache-sidecar-helpers.ts';
import { KEYS, knowledgeFolder, startTestApp, type TestApp } from '../fixtures/app.ts';
import { startTestProxy, testSettings, type TestProxy } from '../fixtures/llm/proxy.ts';
import { eventually } from '../fixtures/poll.ts';
import { startMockOpenAI } from '../fixtures/mock-openai.ts';
import { startMockAnthropic } from '../fixtures/mock-anthropic.ts';
import type { MockLlmServer } from '../fixtures/llm/mock-server.ts';

interface Event { type: string; data: any }

let docs: string;
let sidecar: RunningSidecar;
let oai: MockLlmServer;
let ant: MockLlmServer;
let proxy: TestProxy;
const apps: TestApp[] = [];

beforeAll(async () => {
  docs = knowledgeFolder();
  sidecar = await runSidecar(new MemoryStore());
  oai = await startMockOpenAI();
  ant = await startMockAnthropic();
  proxy = await startTestProxy(testSettings(oai.origin, ant.origin));
});
afterEach(() => { oai.reset(); });
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await proxy?.close();
  await oai?.close();
  await ant?.close();
  await sidecar?.close();
  rmSync(docs, { recursive: true, force: true });
});

async function app(env: Record<string, string> = {}): Promise<TestApp> {
  const a = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: sidecar.base, LLM_PROXY_URL: proxy.url, ...env });
  apps.push(a);
  return a;
}

function chat(a: TestApp, question: string, init: RequestInit = {}): Promise<Response> {
  return a.call('/api/chat', KEYS.chat, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: question }] }),
    ...init,
  });
}

/** Parses a whole SSE body into events. */
function parseSse(text: string): Event[] {
  return text.split('\n\n').filter((f) => f.startsWith('event:')).map((frame) => {
    const [typeLine, dataLine] = frame.split('\n');
    return { type: typeLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
  });
}

function shape(events: Event[]): string[] {
  const out: string[] = [];
  for (const e of events) if (e.type !== 'token' || out[out.length - 1] !== 'token*') out.push(e.type === 'token' ? 'token*' : e.type);
  return out;
}

describe('POST /api/chat', () => {
  it('streams a tool round trip through the proxy\'s mock provider, the lookup going through the cache sidecar', async () => {
    const a = await app({ APP_FLAG_LLM_REAL_PROVIDER: 'off' });
    const question = 'how does the circuit breaker open';
    const res = await chat(a, question);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const events = parseSse(await res.text());
    expect(shape(events)).toEqual(['tool_call', 'tool_result', 'token*', 'done']);
    const call = events[0].data;
    expect(call.name).toBe('knowledge_lookup');
    expect(JSON.parse(call.arguments)).toEqual({ query: question });
    expect(events[1].data).toMatchObject({ id: call.id, name: 'knowledge_lookup', cache: 'miss' });
    expect(events[1].data.results[0]).toMatchObject({ title: 'Circuit breaker', path: 'breaker.md' });
    expect(events.at(-1)!.data).toMatchObject({ provider: 'mock', rounds: 1 });
    expect(oai.calls).toHaveLength(0);

    // The same question again: the lookup is a cache hit, reported in tool_result.
    const again = parseSse(await (await chat(a, question)).text());
    expect(again.find((e) => e.type === 'tool_result')!.data.cache).toBe('hit');
    const metrics = await (await a.call('/metrics')).text();
    expect(metrics).toMatch(/app_chat_tool_rounds_total(\{[^}]*\})? 2\n/);
    expect(metrics).toMatch(/app_chats_total\{[^}]*result="done"\} 2/);
    expect(metrics).toMatch(/app_cache_outcomes_total\{[^}]*route="chat:knowledge_lookup",outcome="hit"\} 1/);
  });

  it('streams a tool round trip from the fake OpenAI upstream through the proxy when llm-real-provider is on', async () => {
    const a = await app();
    const events = parseSse(await (await chat(a, 'what does the cache sidecar answer')).text());
    expect(shape(events)).toEqual(['tool_call', 'tool_result', 'token*', 'done']);
    expect(events.at(-1)!.data).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', rounds: 1 });
    expect(oai.calls).toHaveLength(2);
    expect(oai.calls[0].body.tools[0].function.name).toBe('knowledge_lookup');
    // The tool's answer (from the real index) reached the upstream in the second call.
    const toolMessage = oai.calls[1].body.messages.find((m: any) => m.role === 'tool');
    expect(JSON.parse(toolMessage.content).results[0].path).toBe('cache.md');
  });

  it('a bad body is a 400 in the error shape, before any stream or upstream call', async () => {
    const a = await app();
    for (const body of ['{}', '{"messages":[]}', '{"messages":[{"role":"robot","content":"x"}]}', 'not json']) {
      const res = await a.call('/api/chat', KEYS.chat, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await res.json()) as any).error.code).toMatch(/^invalid_/);
    }
    expect(oai.calls).toHaveLength(0);
  });

  it('a client that disconnects mid-answer cancels the upstream call', async () => {
    const a = await app();
    oai.always({ frameDelayMs: 40 });
    const ac = new AbortController();
    const res = await chat(a, 'how does the circuit breaker open', { signal: ac.signal });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('event: token')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before a token: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
    ac.abort();
    await eventually(() => oai.aborted === 1, 'oai.aborted === 1');
    await eventually(async () => /app_chats_total\{[^}]*result="cancelled"\} 1/.test(await (await a.call('/metrics')).text()), 'app_chats_total counts the cancelled chat');
    expect(oai.calls).toHaveLength(2);
  });

  it('the proxy down: one error event with a stable code, no upstream text', async () => {
    const a = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: sidecar.base, LLM_PROXY_URL: 'http://127.0.0.1:1' });
    apps.push(a);
    const events = parseSse(await (await chat(a, 'hello')).text());
    expect(events.map((e) => e.type)).toEqual(['error']);
    expect(events[0].data.code).toMatch(/^llm_/);
  });

  it('a proxy that demands its caller token: the chat sends LLM_PROXY_API_KEY, and without it gets one error event', async () => {
    const token = 'proxy-caller-token-0123456789abcdef';
    const guarded = await startTestProxy(testSettings(oai.origin, ant.origin), { callerTokens: [token] });
    try {
      const withKey = await app({ LLM_PROXY_URL: guarded.url, LLM_PROXY_API_KEY: token });
      const ok = parseSse(await (await chat(withKey, 'what does the cache sidecar answer')).text());
      expect(shape(ok)).toEqual(['tool_call', 'tool_result', 'token*', 'done']);
      expect(oai.calls.map((c) => c.headers.authorization)).not.toContain(`Bearer ${token}`);

      const calls = oai.calls.length;
      const withoutKey = await app({ LLM_PROXY_URL: guarded.url });
      const refused = parseSse(await (await chat(withoutKey, 'hello')).text());
      expect(refused.map((e) => e.type)).toEqual(['error']);
      expect(JSON.stringify(refused)).not.toContain(token);
      expect(oai.calls).toHaveLength(calls);
    } finally {
      await guarded.close();
    }
  });
});
