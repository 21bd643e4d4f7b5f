/**
 * Bad input is never a 500, for the LLM proxy's request parsing: valid chat
 * bodies in both dialects (`/v1/chat/completions`, `/v1/messages`), served by
 * the mock provider, with exactly one part corrupted (a node of the body
 * replaced or removed, the body's text broken, the method, a header) must be
 * answered below 500 with the dialect's error body, and the proxy keeps
 * serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import fc from 'fast-check';
import { startTestProxy, type TestProxy } from '../fixtures/llm/proxy.ts';
import {
  brokenJsonText, describeRequest, fuzzRequest, oddJsonValue, pathsOf, removeAt, replaceAt, sendRaw,
  type FuzzRequest, type RawAnswer,
} from '../fixtures/fuzz.ts';

let proxy: TestProxy;
let port: number;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const send = (req: FuzzRequest): Promise<RawAnswer> => sendRaw(port, agent, req);

beforeAll(async () => {
  // The mock only: no upstream to fail, so a 5xx can only come from the proxy's own handling of the input.
  proxy = await startTestProxy({ defaultProvider: 'mock', mock: true, retry: { maxAttempts: 1 }, timeoutMs: 5000, attemptTimeoutMs: 5000 }, { maxBodyBytes: 512 * 1024 });
  port = Number(new URL(proxy.url).port);
});
afterAll(async () => {
  agent.destroy();
  await proxy?.close();
});

// ---- valid bodies ----------------------------------------------------------------

const model = fc.constantFrom('mock-1', 'mock/mock-1', 'mock');
const text = fc.string({ minLength: 1, maxLength: 20 });
const toolName = fc.constantFrom('lookup', 'get_weather', 'search_docs');
const schema = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

const openaiContent = fc.oneof(
  text,
  fc.array(text.map((t) => ({ type: 'text', text: t })), { minLength: 1, maxLength: 2 }),
);
const openaiTurns = fc.array(fc.tuple(openaiContent, text), { minLength: 1, maxLength: 3 }).map((pairs) => {
  const out: unknown[] = [];
  pairs.forEach(([user, answer], i) => {
    out.push({ role: 'user', content: user });
    if (i < pairs.length - 1) out.push({ role: 'assistant', content: answer });
  });
  return out;
});
const openaiToolRound = fc.tuple(text, toolName, text).map(([q, name, result]) => [
  { role: 'user', content: q },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name, arguments: JSON.stringify({ q }) } }] },
  { role: 'tool', tool_call_id: 'call_1', content: result },
]);

const openaiBody = fc.record({
  model,
  messages: fc.oneof(openaiTurns, openaiToolRound),
  system: fc.option(text, { nil: undefined }),
  stream: fc.option(fc.boolean(), { nil: undefined }),
  max_tokens: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
  temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
  tools: fc.option(toolName.map((name) => [{ type: 'function', function: { name, description: 'a tool', parameters: schema } }]), { nil: undefined }),
  response_format: fc.option(fc.constantFrom({ type: 'text' }, { type: 'json_object' }), { nil: undefined }),
}).map(({ system, ...b }) => {
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
  if (system !== undefined) body.messages = [{ role: 'system', content: system }, ...(b.messages as unknown[])];
  if (b.stream) body.stream_options = { include_usage: true };
  return body;
});

const anthropicTurns = fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 3 }).map((pairs) => {
  const out: unknown[] = [];
  pairs.forEach(([user, answer], i) => {
    out.push({ role: 'user', content: i % 2 ? [{ type: 'text', text: user }] : user });
    if (i < pairs.length - 1) out.push({ role: 'assistant', content: [{ type: 'text', text: answer }] });
  });
  return out;
});
const anthropicToolRound = fc.tuple(text, toolName, text).map(([q, name, result]) => [
  { role: 'user', content: q },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name, input: { q } }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: result }] },
]);

const anthropicBody = fc.record({
  model,
  max_tokens: fc.integer({ min: 1, max: 64 }),
  messages: fc.oneof(anthropicTurns, anthropicToolRound),
  system: fc.option(fc.oneof(text, text.map((t) => [{ type: 'text', text: t }])), { nil: undefined }),
  stream: fc.option(fc.boolean(), { nil: undefined }),
  temperature: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  tools: fc.option(toolName.map((name) => [{ name, description: 'a tool', input_schema: schema }]), { nil: undefined }),
  metadata: fc.option(fc.constant({ user_id: 'u-1' }), { nil: undefined }),
}).map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)));

interface Valid { path: string; headers: Record<string, string>; body: Record<string, unknown>; dialect: 'openai' | 'anthropic' }

const valid: fc.Arbitrary<Valid> = fc.oneof(
  openaiBody.map((body): Valid => ({ path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer app-key' }, body, dialect: 'openai' })),
  anthropicBody.map((body): Valid => ({
    path: '/v1/messages', headers: { 'content-type': 'application/json', 'x-api-key': 'app-key', 'anthropic-version': '2023-06-01' }, body, dialect: 'anthropic',
  })),
);

// ---- corruptions --------------------------------------------------------------------

const nastyHeaders = fc.oneof(
  fc.record({ 'x-llm-provider': fc.constantFrom('', 'nope', 'OPENAI', 'openai', 'anthropic', 'mock', '\u00e9') }),
  fc.record({ 'x-stainless-timeout': fc.constantFrom('', '-1', '0', 'NaN', '1e400', 'abc', '99999999999999999999', '0.0001', ' 5 ') }),
  fc.record({ 'x-request-id': fc.constantFrom('', 'x'.repeat(5000), '\u00ff\u00fe', 'a b c', '{}') }),
  fc.record({ 'anthropic-beta': fc.constantFrom('', ',', 'unknown-beta-2099-01-01', 'x'.repeat(3000)) }),
  fc.record({ 'content-type': fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '') }),
);

type Corrupted = { body?: unknown; raw?: string | Buffer; method?: string; headers?: Record<string, string>; what: string };

function corruptions(v: Valid): fc.Arbitrary<Corrupted> {
  const paths = pathsOf(v.body);
  const node = fc.nat({ max: paths.length - 1 }).map((i) => paths[i]);
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(node, oddJsonValue).map(([at, odd]): Corrupted => ({ body: replaceAt(v.body, at, odd), what: `body at ${JSON.stringify(at)}` })) },
    { weight: 2, arbitrary: node.filter((at) => at.length > 0).map((at): Corrupted => ({ body: removeAt(v.body, at), what: `body without ${JSON.stringify(at)}` })) },
    { weight: 2, arbitrary: brokenJsonText(JSON.stringify(v.body)).map((raw): Corrupted => ({ raw, what: 'raw body' })) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND').map((method): Corrupted => ({ method, what: `method ${method}` })) },
    { weight: 1, arbitrary: nastyHeaders.map((h): Corrupted => ({ headers: h, what: `header ${Object.keys(h)[0]}` })) },
  );
}

function toRequest(v: Valid, c?: Corrupted): FuzzRequest {
  const body = c?.raw ?? JSON.stringify(c && 'body' in c ? (c.body ?? null) : v.body);
  return fuzzRequest({ method: c?.method ?? 'POST', path: v.path, headers: { ...v.headers, ...c?.headers }, body, corrupted: c?.what ?? 'nothing' });
}

const corruptedRequest = valid.chain((v) => corruptions(v).map((c) => ({ v, req: toRequest(v, c) })));

/** The dialect's error body: OpenAI `{error:{message,type,code}}`, Anthropic `{type:'error',error:{type,message}}`. */
function explains(dialect: Valid['dialect'], answer: RawAnswer): boolean {
  try {
    const body = JSON.parse(answer.body) as { type?: string; error?: { message?: unknown; type?: unknown } };
    if (typeof body.error?.message !== 'string' || typeof body.error.type !== 'string') return false;
    return dialect === 'openai' || body.type === 'error';
  } catch {
    return false;
  }
}

// Generous: the suite usually takes a few seconds, but a shared machine under load must not fail it on time alone.
const FUZZ_TIMEOUT_MS = 120_000;

describe('LLM proxy request parsing under corrupted input', () => {
  it('serves a few hundred valid chat bodies in both dialects from the mock', async () => {
    await fc.assert(fc.asyncProperty(valid, async (v) => {
      const req = toRequest(v);
      const answer = await send(req);
      expect(answer.status, `${describeRequest(req)} → ${answer.body.slice(0, 300)}`).toBe(200);
    }), { seed: 16, numRuns: 300 });
  }, FUZZ_TIMEOUT_MS);

  it('never answers 5xx and explains every refusal in the caller\'s dialect', async () => {
    let refused = 0;
    await fc.assert(fc.asyncProperty(corruptedRequest, async ({ v, req }) => {
      const answer = await send(req);
      const label = `${describeRequest(req)} → ${answer.status} ${answer.body.slice(0, 300)}`;
      expect(answer.status, label).toBeLessThan(500);
      if (answer.status >= 400) {
        refused++;
        // A refusal of the wrong method on the OpenAI path keeps the caller's dialect too; HEAD has no body.
        if (req.method !== 'HEAD') expect(explains(v.dialect, answer), label).toBe(true);
      }
    }), { seed: 16, numRuns: 2000 });
    expect(refused).toBeGreaterThan(800);
    const after = await send(toRequest({ path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: { model: 'mock-1', messages: [{ role: 'user', content: 'still there?' }] }, dialect: 'openai' }));
    expect(after.status).toBe(200);
  }, FUZZ_TIMEOUT_MS);
});
