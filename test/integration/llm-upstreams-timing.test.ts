import { describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { until } from '../fixtures/llm/proxy.ts';
import { useSdkProxy } from '../fixtures/llm/sdk-proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';

// Server-Timing on every answer of the proxy (pass-through, translated, streamed, refused), and the label-free
// overhead histograms fed with the same split.

const llm = useLlmSuite({ close: 'all' });
const app = useSdkProxy(llm);

/** `proxy;dur=0.412, upstream;dur=3.107, ttfb;dur=3.519` → { proxy: 0.412, upstream: 3.107, ttfb: 3.519 } */
function parse(header: string | null): Record<string, number> {
  expect(header).toBeTruthy();
  return Object.fromEntries(header!.split(',').map((m) => {
    const [name, dur] = m.trim().split(';dur=');
    return [name, Number(dur)];
  }));
}

describe('Server-Timing', () => {
  it('splits a pass-through answer into the proxy\'s time and the upstream\'s, the upstream\'s delay on its side', async () => {
    llm.oai.script({ delayMs: 40 });
    const { response } = await app.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const t = parse(response.headers.get('server-timing'));
    expect(Object.keys(t)).toEqual(['proxy', 'upstream']);
    // Attribution, not speed: the fake held the answer back 40 ms, which must count as the upstream's.
    expect(t.upstream).toBeGreaterThanOrEqual(39);
    expect(t.proxy).toBeGreaterThanOrEqual(0);
  });

  it('gives a stream its time to first byte, sent with the headers before the body', async () => {
    const { data: stream, response } = await app.openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const t = parse(response.headers.get('server-timing'));
    expect(Object.keys(t)).toEqual(['proxy', 'upstream', 'ttfb']);
    expect(t.ttfb).toBeCloseTo(t.proxy + t.upstream, 2);
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('openai-mock: hi');
  });

  it('is on translated answers, streams and errors in the Anthropic dialect too', async () => {
    const { response } = await app.anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(Object.keys(parse(response.headers.get('server-timing')))).toEqual(['proxy', 'upstream']);
    const streamed = await app.anthropic.messages.create({ model: 'mock', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(Object.keys(parse(streamed.response.headers.get('server-timing')))).toEqual(['proxy', 'upstream', 'ttfb']);
    for await (const _ev of streamed.data) { /* drain */ }
    const refused = await fetch(`${app.proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
    expect(refused.status).toBe(400);
    expect(parse(refused.headers.get('server-timing')).upstream).toBe(0);
  });

  it('is on forwarded endpoints and on a final 503, whose upstream time includes the retries', async () => {
    const emb = await fetch(`${app.proxy.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }) });
    expect(emb.status).toBe(200);
    expect(Object.keys(parse(emb.headers.get('server-timing')))).toEqual(['proxy', 'upstream']);
    llm.oai.reset();
    llm.oai.always({ status: 500 });
    const failed = await fetch(`${app.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-llm-provider': 'openai' }, body: JSON.stringify({ model: 'gpt-4-turbo', messages: [{ role: 'user', content: 'x' }] }) });
    expect(failed.status).toBe(503);
    expect(llm.oai.calls.length).toBe(3);
    expect(parse(failed.headers.get('server-timing')).upstream).toBeGreaterThan(0);
  });

  it('counts a model lookup asked of the provider as upstream time', async () => {
    const r = await fetch(`${app.proxy.url}/v1/models/gpt-5`);
    expect(r.status).toBe(200);
    expect(llm.oai.calls.map((c) => c.path)).toEqual(['/v1/models/gpt-5']);
    expect(parse(r.headers.get('server-timing')).upstream).toBeGreaterThan(0);
  });

  it('feeds the label-free overhead histograms once per answer', async () => {
    const before = await app.proxy.metrics.text();
    const count = (text: string, name: string) => Number(new RegExp(`^${name}_count (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    await app.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await app.openai.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'hi' }] });
    const after = await app.proxy.metrics.text();
    expect(count(after, 'llm_proxy_overhead_seconds') - count(before, 'llm_proxy_overhead_seconds')).toBe(2);
    expect(count(after, 'llm_proxy_upstream_seconds') - count(before, 'llm_proxy_upstream_seconds')).toBe(2);
    expect(after).toMatch(/^llm_proxy_overhead_seconds_bucket\{le="0\.0001"\} \d+/m);
  });
});

describe('a client that reads the first token and cancels', () => {
  it('gets a short stream whole at its first byte, so its connection survives the cancel, and the upstream\'s too', async () => {
    const pool = new Pool(app.proxy.url, { connections: 1 });
    let connections = 0;
    pool.on('connect', () => { connections++; });
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', body, headers: { 'content-type': 'application/json' } });
        expect(res.statusCode).toBe(200);
        let first = '';
        for await (const chunk of res.body) { first = String(chunk); break; }
        // The first chunk already holds the whole answer, [DONE] included.
        expect(first).toContain('openai-mock');
        expect(first).toContain('data: [DONE]');
      }
    } finally {
      await pool.close();
    }
    expect(connections).toBe(1);
    expect(llm.oai.calls).toHaveLength(5);
    expect(llm.oai.aborted).toBe(0);
  });

  it('still streams a long answer frame by frame, and stops the upstream when the client leaves mid-way', async () => {
    llm.oai.script({ frameDelayMs: 30 });
    const res = await fetch(`${app.proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three four' }] }) });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).not.toContain('[DONE]');
    await reader.cancel();
    await until(() => llm.oai.aborted === 1);
  });
});
