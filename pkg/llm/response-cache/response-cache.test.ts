import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore, StoreCache, parseTtlPolicy } from '#pkg/kv/index.ts';
import { collect, type Response } from '../canonical.ts';
import { AnthropicStreamEncoder } from '../translate/stream-anthropic-encoder.ts';
import { OpenAIStreamEncoder } from '../translate/stream-openai-encoder.ts';
import { ResponseCache, cacheDirective, canonicalJson, parseCacheRules, responseCacheKey, responseEvents, responseFromSse } from './index.ts';

const base = { dialect: 'openai' as const, provider: 'openai', model: 'gpt-4o-mini' };
const body = { model: 'fast', temperature: 0, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] };

/** The same object with its keys, at every depth, in another order. */
function shuffled(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffled(x, rnd));
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v).sort(() => rnd() - 0.5);
  return Object.fromEntries(entries.map(([k, x]) => [k, shuffled(x, rnd)]));
}

describe('response cache key', () => {
  it('does not depend on the order of keys in the JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.integer(), (v, seed) => {
      let s = seed;
      const rnd = () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31; };
      expect(canonicalJson(shuffled(v, rnd))).toBe(canonicalJson(v));
      const b = { messages: v, temperature: 0 };
      expect(responseCacheKey({ ...base, body: shuffled(b, rnd) as Record<string, unknown> })).toBe(responseCacheKey({ ...base, body: b }));
    }));
  });

  it('changes with every semantic field and with the routed model, not with delivery fields', () => {
    const k = responseCacheKey({ ...base, body });
    const variants: Record<string, unknown>[] = [
      { ...body, messages: [{ role: 'user', content: 'hi!' }] },
      { ...body, messages: [{ role: 'system', content: 'hi' }] },
      { ...body, tools: [] },
      { ...body, temperature: 0.0001 },
      { ...body, top_p: 0.5 },
      { ...body, max_tokens: 10 },
      { ...body, stop: ['x'] },
      { ...body, response_format: { type: 'json_object' } },
      { ...body, tool_choice: 'none' },
    ];
    const keys = new Set([k, ...variants.map((b) => responseCacheKey({ ...base, body: b }))]);
    expect(keys.size).toBe(variants.length + 1);
    expect(responseCacheKey({ ...base, model: 'gpt-4o', body })).not.toBe(k);
    expect(responseCacheKey({ ...base, provider: 'mock', body })).not.toBe(k);
    expect(responseCacheKey({ ...base, dialect: 'anthropic', body })).not.toBe(k);
    // The alias the caller wrote is not the key: the routed model is.
    expect(responseCacheKey({ ...base, body: { ...body, model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } } })).toBe(k);
  });

  it('any change of one leaf value changes the key', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      fc.pre(a !== b);
      expect(responseCacheKey({ ...base, body: { messages: [{ role: 'user', content: a }] } })).not.toBe(responseCacheKey({ ...base, body: { messages: [{ role: 'user', content: b }] } }));
    }));
  });
});

describe('cache directive', () => {
  const models = ['fast', 'gpt-4o-mini'];
  it('is opt-in per request, by header or Cache-Control max-age; 0, no-store and no-cache opt out', () => {
    expect(cacheDirective({ models, body }, [])).toEqual({ use: false, why: 'not_asked' });
    expect(cacheDirective({ header: '60', models, body }, [])).toEqual({ use: true, ttlSeconds: 60 });
    expect(cacheDirective({ cacheControl: 'private, max-age=120', models, body }, [])).toEqual({ use: true, ttlSeconds: 120 });
    expect(cacheDirective({ header: '0', models, body }, [])).toMatchObject({ use: false, why: 'opted_out' });
    expect(cacheDirective({ header: 'no', models, body }, parseCacheRules('[{"models":["gpt-*"],"ttlSeconds":5}]'))).toMatchObject({ use: false, why: 'opted_out' });
    expect(cacheDirective({ cacheControl: 'no-store', models, body }, parseCacheRules('[{"models":["gpt-*"],"ttlSeconds":5}]'))).toMatchObject({ use: false, why: 'opted_out' });
    expect(() => cacheDirective({ header: 'soon', models, body }, [])).toThrow(/x-pilotfish-cache/);
  });

  it('applies a rule by model as asked or as routed; sampled answers only when configured', () => {
    const rules = parseCacheRules('[{"models":["gpt-4o-mini"],"ttlSeconds":300},{"models":["claude-*"],"ttlSeconds":30,"sampled":true}]');
    expect(cacheDirective({ models, body }, rules)).toEqual({ use: true, ttlSeconds: 300 });
    expect(cacheDirective({ models, body: { ...body, temperature: 0.7 } }, rules)).toMatchObject({ use: false, why: 'sampled' });
    const { temperature: _t, ...noTemperature } = body;
    expect(cacheDirective({ models, body: noTemperature }, rules)).toMatchObject({ use: false, why: 'sampled' });
    expect(cacheDirective({ models: ['claude-sonnet-4-6'], body: noTemperature }, rules)).toEqual({ use: true, ttlSeconds: 30 });
    expect(cacheDirective({ header: '10', models, body: { ...body, temperature: 1 } }, [], true)).toEqual({ use: true, ttlSeconds: 10 });
    expect(cacheDirective({ header: '10', models, body: { ...body, n: 2 } }, [])).toMatchObject({ use: false, why: 'several_choices' });
  });

  it('refuses malformed rules naming the rule and field', () => {
    expect(() => parseCacheRules('[{"models":[],"ttlSeconds":5}]')).toThrow(/rule 1: models/);
    expect(() => parseCacheRules('[{"models":["a"],"ttlSeconds":0}]')).toThrow(/rule 1: ttlSeconds/);
    expect(() => parseCacheRules('[{"models":["a"],"ttlSeconds":5,"ttl":1}]')).toThrow(/unknown field ttl/);
    expect(() => parseCacheRules('{}')).toThrow(/JSON list/);
  });
});

const answer: Response = {
  id: 'msg_1', model: 'gpt-4o-mini', stopReason: 'tool_calls',
  content: [{ type: 'text', text: 'Looking it up.' }, { type: 'tool_call', id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }],
  usage: { inputTokens: 12, outputTokens: 7 },
};

describe('replay', () => {
  it('a kept answer becomes a stream that collects back into it', () => {
    expect(collect(responseEvents(answer))).toEqual(answer);
    const thinking: Response = { ...answer, stopReason: 'stop', content: [{ type: 'text', text: 'ok' }], thinking: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'zz' }], usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 2 } };
    expect(collect(responseEvents(thinking))).toEqual(thinking);
  });

  it('a stream encoded in either dialect decodes back into the answer; a cut one into nothing', () => {
    const oenc = new OpenAIStreamEncoder('gpt-4o-mini', true);
    const osse = responseEvents(answer).map((e) => oenc.encode(e)).join('');
    expect(responseFromSse('openai', osse)).toMatchObject({ content: answer.content, stopReason: 'tool_calls', usage: { inputTokens: 12, outputTokens: 7 } });
    const aenc = new AnthropicStreamEncoder('claude-sonnet-4-6');
    const asse = responseEvents(answer).map((e) => aenc.encode(e)).join('');
    expect(responseFromSse('anthropic', asse)).toMatchObject({ content: answer.content, stopReason: 'tool_calls', usage: { inputTokens: 12, outputTokens: 7 } });
    expect(responseFromSse('openai', osse.slice(0, osse.lastIndexOf('data:')))).toBeUndefined();
    expect(responseFromSse('anthropic', asse.slice(0, asse.lastIndexOf('event:')))).toBeUndefined();
    expect(responseFromSse('openai', 'data: {nope\n\n')).toBeUndefined();
  });
});

describe('ResponseCache over pkg/kv', () => {
  const cache = () => new ResponseCache(new StoreCache(new MemoryStore(), { policy: parseTtlPolicy({ default: { ttl: '5m', min: '1s', max: '24h' } }) }));
  const input = { dialect: 'openai' as const, provider: 'openai', model: 'gpt-4o-mini', asked: 'fast', body, header: '60' };

  it('misses, keeps, hits — in the tenant\'s own namespace only', async () => {
    const c = cache();
    const acme = c.plan({ ...input, tenant: 'acme' })!;
    const globex = c.plan({ ...input, tenant: 'globex' })!;
    expect(acme.key).toBe(globex.key);
    expect(await c.lookup(acme)).toEqual({ status: 'miss' });
    c.store(acme, { ...answer, headers: { 'x-request-id': 'req_1' } });
    await new Promise((r) => setImmediate(r));
    const hit = await c.lookup(acme);
    expect(hit).toEqual({ status: 'hit', response: answer });
    expect(await c.lookup(globex)).toEqual({ status: 'miss' });
    expect(c.plan({ ...input, tenant: undefined })!.tenant).toBe('default');
  });

  it('keeps no failed answer and bypasses when not asked', async () => {
    const c = cache();
    const p = c.plan({ ...input, tenant: 'acme' })!;
    c.store(p, { ...answer, stopReason: 'error' });
    await new Promise((r) => setImmediate(r));
    expect(await c.lookup(p)).toEqual({ status: 'miss' });
    expect(c.plan({ ...input, tenant: 'acme', header: undefined })).toBeUndefined();
  });
});
