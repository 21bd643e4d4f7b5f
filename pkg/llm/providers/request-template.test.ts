import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicClient } from './anthropic.ts';
import { OpenAIClient } from './openai.ts';
import { createPooledFetch } from './pooled-fetch.ts';

interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: string }

// A real upstream that records what arrives and answers like both APIs would.
let server: Server;
let base: string;
const seen: Seen[] = [];
const pooled = createPooledFetch();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const answer = req.url!.includes('/messages')
        ? { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } }
        : req.url!.includes('/models')
          ? { object: 'list', data: [] }
          : { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await pooled.close();
  await new Promise((r) => server.close(r));
});

/** What one call put on the wire, with the connection-level headers left out. */
async function record(call: () => Promise<unknown>): Promise<Seen> {
  seen.length = 0;
  await call();
  expect(seen).toHaveLength(1);
  const s = seen[0];
  const { connection: _c, host: _h, ...headers } = s.headers;
  return { ...s, headers };
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
const message = { model: 'claude-x', max_tokens: 16, messages: [{ role: 'user' as const, content: 'hello' }] };

describe('RequestTemplate through the official clients', () => {
  // Contract test of a library internal (docs/development.md, "Reliance on library internals"): the clients
  // override the SDKs' undocumented buildRequest(options, { retryCount }) and call buildURL(path, query, defaultBaseURL).
  it('finds the SDK internals the template overrides and calls (openai and @anthropic-ai/sdk, pinned exactly)', async () => {
    for (const [sdk, proto] of [['openai', OpenAI.prototype], ['@anthropic-ai/sdk', Anthropic.prototype]] as const) {
      const internals = proto as unknown as Record<string, unknown>;
      expect(typeof internals.buildRequest, `${sdk}: Client.prototype.buildRequest is gone; request-template.ts overrides it`).toBe('function');
      expect(typeof internals.buildURL, `${sdk}: Client.prototype.buildURL is gone; request-template.ts calls it`).toBe('function');
    }
    const lean = new OpenAIClient({ apiKey: 'sk-template-test', baseURL: `${base}/v1`, maxRetries: 0, logLevel: 'off', fetch: pooled.fetch });
    let calls = 0;
    const build = lean.buildRequest.bind(lean);
    lean.buildRequest = (o, extra) => { calls++; return build(o, extra); };
    await record(() => lean.chat.completions.create(chat));
    expect(calls, 'openai: a request no longer goes through Client.buildRequest, so the template is bypassed').toBe(1);
  });


  it('sends exactly what the stock OpenAI client sends, on the first call and on later ones', async () => {
    const options = { apiKey: 'sk-template-test', baseURL: `${base}/v1`, maxRetries: 0, logLevel: 'off' as const, timeout: 600_000, organization: 'org-1', fetch: pooled.fetch };
    const stock = new OpenAI(options);
    const lean = new OpenAIClient(options);
    const want = await record(() => stock.chat.completions.create(chat));
    expect(want.headers.authorization).toBe('Bearer sk-template-test');
    expect(want.headers['openai-organization']).toBe('org-1');
    for (let i = 0; i < 3; i++) expect(await record(() => lean.chat.completions.create(chat))).toEqual(want);
    // A per-request header and a GET go through the SDK untouched and still match.
    const withHeader = await record(() => stock.chat.completions.create(chat, { headers: { 'X-Trace': 'a' } }));
    expect(await record(() => lean.chat.completions.create(chat, { headers: { 'X-Trace': 'a' } }))).toEqual(withHeader);
    expect(await record(() => lean.models.list())).toEqual(await record(() => stock.models.list()));
  });

  it('sends exactly what the stock Anthropic client sends, with per-request beta headers merged', async () => {
    const options = { apiKey: 'sk-ant-template-test', baseURL: base, maxRetries: 0, logLevel: 'off' as const, timeout: 600_000, fetch: pooled.fetch };
    const stock = new Anthropic(options);
    const lean = new AnthropicClient(options);
    const want = await record(() => stock.messages.create(message));
    for (let i = 0; i < 3; i++) expect(await record(() => lean.messages.create(message))).toEqual(want);
    const beta = { headers: { 'anthropic-beta': 'tools-2024-04-04' }, timeout: 600_000 };
    const wantBeta = await record(() => stock.messages.create(message, beta));
    expect(wantBeta.headers['anthropic-beta']).toBe('tools-2024-04-04');
    expect(await record(() => lean.messages.create(message, beta))).toEqual(wantBeta);
    // The beta header did not leak into the kept headers.
    expect((await record(() => lean.messages.create(message))).headers['anthropic-beta']).toBeUndefined();
  });

  it('sends the kept headers through Node\'s global fetch too (the default without a pooled fetch)', async () => {
    const options = { apiKey: 'sk-template-test', baseURL: `${base}/v1`, maxRetries: 0, logLevel: 'off' as const, timeout: 600_000 };
    const want = await record(() => new OpenAI(options).chat.completions.create(chat));
    const lean = new OpenAIClient(options);
    for (let i = 0; i < 2; i++) expect(await record(() => lean.chat.completions.create(chat))).toEqual(want);
  });

  it('lets the SDK build a call whose timeout differs from the kept headers', async () => {
    const options = { apiKey: 'sk-template-test', baseURL: `${base}/v1`, maxRetries: 0, logLevel: 'off' as const, timeout: 600_000, fetch: pooled.fetch };
    const lean = new OpenAIClient(options);
    await record(() => lean.chat.completions.create(chat));
    const other = await record(() => lean.chat.completions.create(chat, { timeout: 30_000 }));
    expect(other.headers['x-stainless-timeout']).toBe('30');
    expect(await record(() => new OpenAI(options).chat.completions.create(chat, { timeout: 30_000 }))).toEqual(other);
  });
});
