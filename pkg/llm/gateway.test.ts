import { afterEach, describe, expect, it } from 'vitest';
import type { Request, Response, StreamEvent } from './canonical.ts';
import { LlmError } from './errors.ts';
import { Gateway } from './gateway.ts';
import { GatewayError } from './gateway-error.ts';
import type { LLMProvider, ProviderName } from './provider.ts';
import { MockProvider } from './providers/mock.ts';
import { ProviderBreaker } from './resilience/breaker.ts';
import { Router } from './router.ts';

/** A provider whose answers are scripted per call (the gateway is what is under test). */
class Scripted implements LLMProvider {
  readonly name: ProviderName;
  calls: string[] = [];
  script: (LlmError | 'ok' | 'hang')[] = [];
  constructor(name: ProviderName) { this.name = name; }
  async complete(req: Request, signal: AbortSignal): Promise<Response> {
    this.calls.push(req.model);
    const step = this.script.shift() ?? 'ok';
    if (step === 'hang') {
      await new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    }
    if (step instanceof LlmError) throw step;
    return { id: 'r', model: req.model, content: [{ type: 'text', text: `${this.name}:${req.model}` }], stopReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
  }
  async *stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const r = await this.complete(req, signal);
    yield { type: 'start', id: r.id, model: r.model };
    yield { type: 'text', text: (r.content[0] as { text: string }).text };
    const step = this.script.shift();
    if (step instanceof LlmError) throw step;
    yield { type: 'end', stopReason: 'stop' };
  }
}

const breakers: ProviderBreaker[] = [];
afterEach(() => breakers.splice(0).forEach((b) => b.shutdown()));

function setup(extra: Partial<ConstructorParameters<typeof Gateway>[0]> = {}) {
  const a = new Scripted('openai');
  const b = new Scripted('anthropic');
  const providers = new Map<ProviderName, LLMProvider>([['openai', a], ['anthropic', b]]);
  const bs = new Map<ProviderName, ProviderBreaker>([...providers.keys()].map((n) => { const br = new ProviderBreaker(n, { minRequests: 100 }); breakers.push(br); return [n, br]; }));
  const events: string[] = [];
  const gateway = new Gateway({
    providers, breakers: bs, backoff: { baseMs: 1, capMs: 100 }, attemptTimeoutMs: 200, timeoutMs: 2000,
    observer: { retry: (p, r) => events.push(`retry ${p} ${r}`), fallback: (f, t, r) => events.push(`fallback ${f}->${t} ${r}`) },
    ...extra,
  });
  const router = new Router({ defaultProvider: 'openai', available: new Set(providers.keys()), aliases: { fast: { openai: 'o-fast', anthropic: 'a-fast' } }, fallback: ['anthropic'] });
  return { a, b, gateway, router, events };
}
const req = (model: string): Request => ({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
const never = new AbortController().signal;

describe('Gateway', () => {
  it('retries retryable failures up to maxAttempts, then falls back with the mapped model', async () => {
    const { a, b, gateway, router, events } = setup();
    a.script = [new LlmError('server', 'x'), new LlmError('timeout', 'x'), new LlmError('server', 'x')];
    const r = await gateway.complete(req('fast'), router.resolve('fast'), never);
    expect(r).toMatchObject({ provider: 'anthropic', model: 'a-fast', attempts: 4, fallback: true, degraded: false });
    expect(a.calls).toEqual(['o-fast', 'o-fast', 'o-fast']);
    expect(b.calls).toEqual(['a-fast']);
    expect(events).toEqual(['retry openai server', 'retry openai timeout', 'fallback openai->anthropic server']);
  });

  it('does not retry or fall back on the caller\'s own error', async () => {
    const { a, b, gateway, router } = setup();
    a.script = [new LlmError('client', 'bad', { upstreamStatus: 422 })];
    const err = await gateway.complete(req('fast'), router.resolve('fast'), never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).error).toMatchObject({ kind: 'client', upstreamStatus: 422 });
    expect((err as GatewayError).outcome.attempts).toBe(1);
    expect(b.calls).toEqual([]);
  });

  it('times out a hung attempt and retries it', async () => {
    const { a, gateway, router } = setup();
    a.script = ['hang'];
    const r = await gateway.complete(req('gpt-4o'), router.resolve('gpt-4o'), never);
    expect(r).toMatchObject({ provider: 'openai', attempts: 2 });
  });

  it('answers the degraded message when every provider failed, or a 503-kind error', async () => {
    const { a, b, gateway, router } = setup({ degradedMode: 'message', degradedMessage: 'later' });
    a.script = Array(3).fill(new LlmError('server', 'x'));
    b.script = Array(3).fill(new LlmError('overloaded', 'x'));
    const r = await gateway.complete(req('fast'), router.resolve('fast'), never);
    expect(r).toMatchObject({ degraded: true, provider: 'none', attempts: 6 });
    expect(r.response.content).toEqual([{ type: 'text', text: 'later' }]);

    const s = setup();
    s.a.script = Array(3).fill(new LlmError('server', 'x'));
    s.b.script = Array(3).fill(new LlmError('server', 'x'));
    const err = await s.gateway.complete(req('fast'), s.router.resolve('fast'), never).catch((e: unknown) => e);
    expect((err as GatewayError).error.kind).toBe('unavailable');
  });

  it('stops at once when the caller goes away', async () => {
    const { a, gateway, router } = setup();
    a.script = ['hang'];
    const ac = new AbortController();
    const p = gateway.complete(req('gpt-4o'), router.resolve('gpt-4o'), ac.signal).catch((e: GatewayError) => e);
    setTimeout(() => ac.abort(), 20);
    const err = await p;
    expect((err as GatewayError).error.kind).toBe('aborted');
    expect(a.calls).toHaveLength(1);
  });

  it('streams: retries before the first event, surfaces later failures to the reader', async () => {
    const { a, gateway, router } = setup();
    a.script = [new LlmError('server', 'x'), 'ok', new LlmError('network', 'cut')];
    const open = await gateway.openStream(req('gpt-4o'), router.resolve('gpt-4o'), never);
    expect(open.attempts).toBe(2);
    expect(open.first.type).toBe('start');
    expect((await open.rest.next()).value).toMatchObject({ type: 'text' });
    await expect(open.rest.next()).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('MockProvider', () => {
  it('answers deterministically, calls tools when offered, and honours max tokens', async () => {
    const m = new MockProvider();
    const text = await m.complete({ ...req('mock'), maxTokens: 1 }, never);
    expect(text).toMatchObject({ content: [{ type: 'text', text: 'mock: ' }], stopReason: 'length' });
    const tool = await m.complete({ ...req('mock'), tools: [{ name: 'f', parameters: { type: 'object' } }] }, never);
    expect(tool.content).toEqual([{ type: 'tool_call', id: expect.any(String), name: 'f', arguments: '{"input":"hi"}' }]);
    expect(tool.stopReason).toBe('tool_calls');
    const events: StreamEvent[] = [];
    for await (const e of m.stream(req('mock'), never)) events.push(e);
    expect(events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('')).toBe('mock: hi');
  });
});
