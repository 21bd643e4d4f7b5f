import { describe, expect, it } from 'vitest';
import { collect, type StreamEvent } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { parseOpenAIRequest, toOpenAIRequest } from './openai-request.ts';
import { parseAnthropicRequest, toAnthropicRequest } from './anthropic-request.ts';
import { fromOpenAIResponse, toOpenAIResponse } from './openai-response.ts';
import { fromAnthropicResponse, toAnthropicResponse } from './anthropic-response.ts';
import { OpenAIStreamDecoder } from './stream-openai-decoder.ts';
import { OpenAIStreamEncoder } from './stream-openai-encoder.ts';
import { AnthropicStreamDecoder } from './stream-anthropic-decoder.ts';
import { AnthropicStreamEncoder } from './stream-anthropic-encoder.ts';

const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

const openaiBody = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'developer', content: [{ type: 'text', text: 'and kind' }] },
    { role: 'user', content: 'weather in Paris and Rome?' },
    { role: 'assistant', content: null, tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ] },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    { role: 'tool', tool_call_id: 'call_2', content: 'rain' },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: schema } }],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  max_tokens: 200,
  temperature: 1.5,
  stop: 'END',
};

describe('OpenAI request → canonical → Anthropic request', () => {
  it('moves system prompts to the top, merges consecutive tool results into one user turn, maps tools and tool_choice', () => {
    const { request, stream } = parseOpenAIRequest(openaiBody);
    expect(stream).toBe(false);
    const a = toAnthropicRequest(request, false, 4096);
    expect(a.system).toBe('be brief\n\nand kind');
    expect(a.max_tokens).toBe(200);
    expect(a.temperature).toBe(1); // clamped into Anthropic's range
    expect(a.stop_sequences).toEqual(['END']);
    expect(a.tools).toEqual([{ name: 'get_weather', description: 'Weather', input_schema: schema }]);
    expect(a.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(a.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
      { role: 'assistant', content: [
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
      ] },
      { role: 'user', content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
        { type: 'tool_result', tool_use_id: 'call_2', content: 'rain' },
      ] },
    ]);
  });

  it('round-trips back to an equivalent OpenAI request', () => {
    const back = toOpenAIRequest(parseOpenAIRequest(openaiBody).request, false);
    expect(back.messages).toEqual([
      { role: 'system', content: 'be brief\n\nand kind' },
      { role: 'user', content: 'weather in Paris and Rome?' },
      { role: 'assistant', content: null, tool_calls: openaiBody.messages[3].tool_calls },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: 'rain' },
    ]);
    expect(back.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(back.max_completion_tokens).toBe(200);
  });

  it('maps required/none/auto tool choices both ways', () => {
    for (const [oc, ac] of [['required', 'any'], ['none', 'none'], ['auto', 'auto']] as const) {
      const { request } = parseOpenAIRequest({ ...openaiBody, tool_choice: oc });
      expect((toAnthropicRequest(request, false, 1).tool_choice as any).type).toBe(ac);
      const back = parseAnthropicRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tools: [{ name: 't', input_schema: schema }], tool_choice: { type: ac } });
      expect(toOpenAIRequest(back.request, false).tool_choice).toBe(oc);
    }
  });
});

describe('dialect-only parameters', () => {
  it('pass through to a provider of the same dialect; the other translates them or refuses (cross-dialect.test.ts)', () => {
    const o = parseOpenAIRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' }, seed: 7, n: 2 }).request;
    expect(toOpenAIRequest(o, false)).toMatchObject({ response_format: { type: 'json_object' }, seed: 7, n: 2, model: 'm' });
    expect(() => toAnthropicRequest(o, false, 10)).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
    const a = parseAnthropicRequest({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], top_k: 3, thinking: { type: 'enabled', budget_tokens: 1024 } }).request;
    expect(toAnthropicRequest(a, false, 10)).toMatchObject({ top_k: 3, thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 5 });
    expect(() => toOpenAIRequest(a, false)).toThrow(expect.objectContaining({ kind: 'invalid_request', param: 'top_k' }));
  });

  it('a pass-through parameter cannot override what the proxy sets', () => {
    const o = parseOpenAIRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], seed: 1 }).request;
    expect(toOpenAIRequest({ ...o, model: 'gpt-4o-mini' }, false).model).toBe('gpt-4o-mini');
  });

  it('keep Anthropic cache_control marks (system, blocks, tools) for an Anthropic provider', () => {
    const eph = { type: 'ephemeral' };
    const a = parseAnthropicRequest({
      model: 'm', max_tokens: 5,
      system: [{ type: 'text', text: 'long context', cache_control: eph }],
      tools: [{ name: 'f', input_schema: schema, cache_control: eph }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cache_control: eph }] }],
    }).request;
    const out = toAnthropicRequest(a, false, 10) as any;
    expect(out.system).toEqual([{ type: 'text', text: 'long context', cache_control: eph }]);
    expect(out.tools[0].cache_control).toEqual(eph);
    expect(out.messages[0].content[0]).toEqual({ type: 'text', text: 'q', cache_control: eph });
    const o = toOpenAIRequest(a, false) as any;
    expect(o.messages[0]).toEqual({ role: 'system', content: 'long context' });
    expect(JSON.stringify(o)).not.toContain('cache_control');
  });

  it('refuses the deprecated functions API with a 400', () => {
    expect(() => parseOpenAIRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], functions: [] })).toThrow(expect.objectContaining({ kind: 'invalid_request', param: 'functions' }));
  });
});

describe('Anthropic request → canonical → OpenAI request', () => {
  it('turns tool_result blocks into tool messages and keeps text of the same turn after them', () => {
    const { request } = parseAnthropicRequest({
      model: 'claude-x', max_tokens: 50, system: [{ type: 'text', text: 'sys' }], stream: true,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'text', text: 'let me check' }, { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '42' }] }, { type: 'text', text: 'thanks' }] },
      ],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      tools: [{ name: 'f', input_schema: schema }],
    });
    const o = toOpenAIRequest(request, true);
    expect(o.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'let me check', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '42' },
      { role: 'user', content: 'thanks' },
    ]);
    expect(o.parallel_tool_calls).toBe(false);
    expect(o.stream_options).toEqual({ include_usage: true });
  });
});

describe('validation', () => {
  const bad = (fn: () => unknown) => { try { fn(); } catch (e) { return e as LlmError; } throw new Error('no error'); };
  it.each([
    [{ messages: [] }, 'model'],
    [{ model: 'm' }, 'messages'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'x y' } }] }, 'tools[0].function.name'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] }, 'tools[0].function'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 0 }, 'n'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'xml' } }, 'response_format.type'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'extreme' }, 'reasoning_effort'],
  ])('OpenAI body %j is a 400 naming %s', (body, param) => {
    const e = bad(() => parseOpenAIRequest(body));
    expect(e).toBeInstanceOf(LlmError);
    expect(e.kind).toBe('invalid_request');
    expect(e.param).toBe(param);
  });

  it('requires max_tokens and input_schema in the Anthropic dialect', () => {
    expect(bad(() => parseAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).param).toBe('max_tokens');
    expect(bad(() => parseAnthropicRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'f' }] })).param).toBe('tools[0].input_schema');
    expect(bad(() => parseAnthropicRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'x' }] }] })).kind).toBe('invalid_request');
  });
});

describe('responses', () => {
  it('carry text, tool calls, stop reason and usage across dialects', () => {
    const canonical = fromOpenAIResponse({
      id: 'chatcmpl-1', model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'ok', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 5, completion_tokens: 3 },
    }, 'openai');
    const a = toAnthropicResponse(canonical, 'gpt-4o');
    expect(a).toMatchObject({ type: 'message', stop_reason: 'tool_use', usage: { input_tokens: 5, output_tokens: 3 }, content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'c1', name: 'f', input: { x: 1 } }] });
    const back = toOpenAIResponse(fromAnthropicResponse(a, 'anthropic'), 'gpt-4o') as any;
    expect(back.choices[0].message).toMatchObject({ content: 'ok', tool_calls: [{ id: 'c1', function: { name: 'f', arguments: '{"x":1}' } }] });
    expect(back.choices[0].finish_reason).toBe('tool_calls');
    expect(back.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('rejects an upstream body without choices as malformed', () => {
    expect(() => fromOpenAIResponse({ id: 'x' }, 'openai')).toThrow(expect.objectContaining({ kind: 'malformed' }));
  });
});

const events: StreamEvent[] = [
  { type: 'start', id: 'x1', model: 'm', inputTokens: 4 },
  { type: 'text', text: 'Hel' },
  { type: 'text', text: 'lo' },
  { type: 'tool_start', index: 0, id: 'call_a', name: 'f' },
  { type: 'tool_delta', index: 0, arguments: '{"a"' },
  { type: 'tool_delta', index: 0, arguments: ':1}' },
  { type: 'tool_start', index: 1, id: 'call_b', name: 'g' },
  { type: 'tool_delta', index: 1, arguments: '{}' },
  { type: 'end', stopReason: 'tool_calls', usage: { inputTokens: 4, outputTokens: 9 } },
];

function sseData(text: string): unknown[] {
  return text.split('\n\n').filter(Boolean).map((f) => f.split('\n').find((l) => l.startsWith('data: '))!.slice(6)).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
}

describe('streams', () => {
  it('OpenAI encoder → decoder reproduces the events, with usage and [DONE]', () => {
    const enc = new OpenAIStreamEncoder('m', true);
    const text = events.map((e) => enc.encode(e)).join('');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const dec = new OpenAIStreamDecoder('openai');
    const out: StreamEvent[] = [];
    for (const chunk of sseData(text)) dec.push(chunk, out);
    dec.finish(out);
    expect(collect(out)).toEqual({ ...collect(events), id: 'chatcmpl-x1', usage: { inputTokens: 4, outputTokens: 9 } });
  });

  it('Anthropic encoder → decoder reproduces the events with blocks opened and closed in order', () => {
    const enc = new AnthropicStreamEncoder('m');
    const text = events.map((e) => enc.encode(e)).join('');
    const types = sseData(text).map((d: any) => d.type);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    const dec = new AnthropicStreamDecoder('anthropic');
    const out: StreamEvent[] = [];
    for (const ev of sseData(text)) dec.push(ev, out);
    dec.finish(out);
    expect(collect(out)).toEqual({ ...collect(events), id: 'msg_x1' });
  });

  it('a stream that ends without its final event is an error, never a clean end', () => {
    const o = new OpenAIStreamDecoder('openai');
    o.push({ id: 'a', choices: [{ index: 0, delta: { content: 'hi' } }] }, []);
    expect(() => o.finish([])).toThrow(expect.objectContaining({ kind: 'truncated' }));
    const a = new AnthropicStreamDecoder('anthropic');
    a.push({ type: 'message_start', message: { id: 'm' } }, []);
    expect(() => a.finish([])).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(() => a.push({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } }, [])).toThrow(expect.objectContaining({ kind: 'overloaded' }));
  });

  it('error frames are what the SDKs throw on', () => {
    expect(sseData(new OpenAIStreamEncoder('m', false).error('boom', 'network'))[0]).toMatchObject({ error: { message: 'boom', code: 'network' } });
    expect(new AnthropicStreamEncoder('m').error('boom')).toMatch(/^event: error\ndata: {"type":"error","error":{"type":"api_error","message":"boom"}}/);
  });
});
