import { describe, expect, it } from 'vitest';
import { collect, type StreamEvent } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { parseOpenAIRequest, toOpenAIRequest } from './openai-request.ts';
import { fromAnthropicAnswer, parseAnthropicRequest, toAnthropicRequest } from './anthropic-request.ts';
import { fromOpenAIResponse, toOpenAIResponse } from './openai-response.ts';
import { fromAnthropicResponse, toAnthropicResponse } from './anthropic-response.ts';
import { OpenAIStreamEncoder } from './stream-openai-encoder.ts';
import { OpenAIStreamDecoder } from './stream-openai-decoder.ts';
import { AnthropicStreamDecoder } from './stream-anthropic-decoder.ts';
import { AnthropicStreamEncoder } from './stream-anthropic-encoder.ts';
import { StructuredStream } from './structured-output.ts';

const user = [{ role: 'user', content: 'hi' }];
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const toClaude = (body: object) => toAnthropicRequest(parseOpenAIRequest({ model: 'claude-sonnet-4-6', messages: user, ...body }).request, false, 4096) as any;
const toGpt = (body: object) => toOpenAIRequest(parseAnthropicRequest({ model: 'gpt-4o', max_tokens: 100, messages: user, ...body }).request, false) as any;
const refusal = (fn: () => unknown): LlmError => {
  try { fn(); } catch (e) { if (e instanceof LlmError) return e; throw e; }
  throw new Error('no error');
};

describe('structured output, OpenAI caller → Anthropic model', () => {
  it('json_schema becomes a forced json_output tool with the schema as its input schema', () => {
    const a = toClaude({ response_format: { type: 'json_schema', json_schema: { name: 'weather', schema, strict: true, description: 'the weather' } } });
    expect(a.tools).toEqual([{ name: 'json_output', description: 'the weather', input_schema: schema, strict: true }]);
    expect(a.tool_choice).toEqual({ type: 'tool', name: 'json_output' });
    expect(a).not.toHaveProperty('response_format');
  });

  it('json_object becomes a forced tool that takes any object', () => {
    const a = toClaude({ response_format: { type: 'json_object' } });
    expect(a.tools[0]).toMatchObject({ name: 'json_output', input_schema: { type: 'object', additionalProperties: true } });
    expect(a.tool_choice).toEqual({ type: 'tool', name: 'json_output' });
    expect(toClaude({ response_format: { type: 'text' } })).not.toHaveProperty('tools');
  });

  it('with the caller\'s own tools on auto, the model must call a tool: one of them, or json_output for its answer', () => {
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: schema } }];
    const a = toClaude({ tools, response_format: { type: 'json_object' } });
    expect(a.tools.map((t: any) => t.name)).toEqual(['lookup', 'json_output']);
    expect(a.tool_choice).toEqual({ type: 'any' });
    expect(toClaude({ tools, tool_choice: 'none', response_format: { type: 'json_object' } }).tool_choice).toEqual({ type: 'tool', name: 'json_output' });
  });

  it('a caller that forces a tool of its own, or names one json_output, conflicts: 400 naming the field and the model', () => {
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: schema } }];
    const rf = { type: 'json_object' };
    for (const tool_choice of ['required', { type: 'function', function: { name: 'lookup' } }]) {
      const e = refusal(() => toClaude({ tools, tool_choice, response_format: rf }));
      expect(e).toMatchObject({ kind: 'invalid_request', param: 'tool_choice' });
      expect(e.message).toContain('claude-sonnet-4-6');
    }
    expect(refusal(() => toClaude({ tools: [{ type: 'function', function: { name: 'json_output' } }], response_format: rf })).param).toBe('tools');
  });

  it('the answer\'s json_output call comes back as the message content with finish_reason stop', () => {
    const req = parseOpenAIRequest({ model: 'claude-x', messages: user, response_format: { type: 'json_schema', json_schema: { name: 'w', schema } } }).request;
    const raw = fromAnthropicResponse({ id: 'msg_1', model: 'claude-x', content: [{ type: 'tool_use', id: 'toolu_1', name: 'json_output', input: { city: 'Paris' } }], stop_reason: 'tool_use', usage: { input_tokens: 3, output_tokens: 4 } }, 'anthropic');
    const res = toOpenAIResponse(fromAnthropicAnswer(req, raw), 'claude-x') as any;
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '{"city":"Paris"}' } });
    expect(res.choices[0].message.tool_calls).toBeUndefined();
  });

  it('a call of one of the caller\'s tools next to it stays a tool call (finish_reason tool_calls)', () => {
    const req = parseOpenAIRequest({ model: 'claude-x', messages: user, tools: [{ type: 'function', function: { name: 'lookup' } }], response_format: { type: 'json_object' } }).request;
    const raw = fromAnthropicResponse({ content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: {} }], stop_reason: 'tool_use', usage: {} }, 'anthropic');
    expect(fromAnthropicAnswer(req, raw)).toMatchObject({ stopReason: 'tool_calls', content: [{ type: 'tool_call', name: 'lookup' }] });
  });

  it('streams the json_output call as text deltas, renumbering the other tool calls from 0', () => {
    const s = new StructuredStream();
    const events: StreamEvent[] = [
      { type: 'start', id: 'm', model: 'c' },
      { type: 'tool_start', index: 0, id: 't0', name: 'json_output' },
      { type: 'tool_delta', index: 0, arguments: '{"city":' },
      { type: 'tool_delta', index: 0, arguments: '"Paris"}' },
      { type: 'end', stopReason: 'tool_calls' },
    ];
    const out = events.map((e) => s.map(e)).filter((e): e is StreamEvent => e !== undefined);
    expect(collect(out)).toMatchObject({ content: [{ type: 'text', text: '{"city":"Paris"}' }], stopReason: 'stop' });
    const t = new StructuredStream();
    expect(t.map({ type: 'tool_start', index: 0, id: 'a', name: 'json_output' })).toBeUndefined();
    expect(t.map({ type: 'tool_start', index: 1, id: 'b', name: 'lookup' })).toEqual({ type: 'tool_start', index: 0, id: 'b', name: 'lookup' });
    expect(t.map({ type: 'tool_delta', index: 1, arguments: '{}' })).toEqual({ type: 'tool_delta', index: 0, arguments: '{}' });
    expect(t.map({ type: 'end', stopReason: 'tool_calls' })).toEqual({ type: 'end', stopReason: 'tool_calls' });
  });
});

describe('structured output, Anthropic caller → OpenAI model', () => {
  it('output_config.format and the beta output_format become response_format json_schema (strict)', () => {
    const expected = { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } };
    expect(toGpt({ output_config: { format: { type: 'json_schema', schema } } }).response_format).toEqual(expected);
    expect(toGpt({ output_format: { type: 'json_schema', schema } }).response_format).toEqual(expected);
    expect(toGpt({ output_config: { format: { type: 'json_schema', schema } } })).not.toHaveProperty('output_config');
  });

  it('an Anthropic provider keeps its own output_config as it came, with no forced tool', () => {
    const a = toAnthropicRequest(parseAnthropicRequest({ model: 'claude-x', max_tokens: 9, messages: user, output_config: { format: { type: 'json_schema', schema } } }).request, false, 10) as any;
    expect(a.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(a).not.toHaveProperty('tools');
  });
});

describe('thinking ↔ reasoning_effort', () => {
  it('reasoning_effort becomes a thinking budget inside max_tokens', () => {
    expect(toClaude({ reasoning_effort: 'low' })).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 2048 + 4096 });
    expect(toClaude({ reasoning_effort: 'high', max_completion_tokens: 20000 })).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 16384 }, max_tokens: 20000 });
    // A budget that does not fit under the caller's limit shrinks to fit.
    expect(toClaude({ reasoning_effort: 'high', max_completion_tokens: 3000 }).thinking).toEqual({ type: 'enabled', budget_tokens: 2999 });
    expect(toClaude({ reasoning_effort: 'none' })).not.toHaveProperty('thinking');
  });

  it('refuses what cannot think: a limit under the smallest budget, or structured output (a forced tool) with thinking', () => {
    expect(refusal(() => toClaude({ reasoning_effort: 'low', max_completion_tokens: 1000 })).param).toBe('max_completion_tokens');
    const e = refusal(() => toClaude({ reasoning_effort: 'low', response_format: { type: 'json_object' } }));
    expect(e).toMatchObject({ kind: 'invalid_request', param: 'reasoning_effort' });
    expect(e.message).toContain('claude-sonnet-4-6');
  });

  it('thinking.budget_tokens becomes the effort level nearest below it; disabled and adaptive ask for none', () => {
    expect(toGpt({ thinking: { type: 'enabled', budget_tokens: 1024 } }).reasoning_effort).toBe('low');
    expect(toGpt({ thinking: { type: 'enabled', budget_tokens: 10000 } }).reasoning_effort).toBe('medium');
    expect(toGpt({ thinking: { type: 'enabled', budget_tokens: 32000 } }).reasoning_effort).toBe('high');
    expect(toGpt({ thinking: { type: 'disabled' } })).not.toHaveProperty('reasoning_effort');
    expect(toGpt({ thinking: { type: 'adaptive' } })).not.toHaveProperty('reasoning_effort');
    expect(toGpt({ output_config: { effort: 'high' } }).reasoning_effort).toBe('high');
    expect(toGpt({})).not.toHaveProperty('thinking');
  });

  it('refuses thinking kinds and effort levels OpenAI has no name for', () => {
    expect(refusal(() => toGpt({ thinking: { type: 'between_tools' } })).param).toBe('thinking.type');
    expect(refusal(() => toGpt({ output_config: { effort: 'max' } })).param).toBe('output_config.effort');
  });

  it('a Claude answer\'s thinking reaches an OpenAI caller as reasoning_content and thinking_blocks, with its reasoning tokens', () => {
    const raw = fromAnthropicResponse({
      id: 'msg_1', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'opaque' }, { type: 'text', text: 'answer' }],
      stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 40, output_tokens_details: { thinking_tokens: 30 } },
    }, 'anthropic');
    const res = toOpenAIResponse(raw, 'claude-x') as any;
    expect(res.choices[0].message).toMatchObject({
      content: 'answer', reasoning_content: 'hmm',
      thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'opaque' }],
    });
    expect(res.usage).toEqual({ prompt_tokens: 5, completion_tokens: 40, total_tokens: 45, completion_tokens_details: { reasoning_tokens: 30 } });
    // And an Anthropic caller gets the blocks back in order before the text.
    expect((toAnthropicResponse(raw, 'claude-x') as any).content.map((b: any) => b.type)).toEqual(['thinking', 'redacted_thinking', 'text']);
  });

  it('streams thinking as reasoning_content deltas and each signed block as thinking_blocks', () => {
    const dec = new AnthropicStreamDecoder('anthropic');
    const events: StreamEvent[] = [];
    const ev = (type: string, o: object) => dec.push({ type, ...o }, events);
    ev('message_start', { message: { id: 'msg_1', model: 'c', usage: { input_tokens: 3 } } });
    ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
    ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'step ' } });
    ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'one' } });
    ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig' } });
    ev('content_block_stop', { index: 0 });
    ev('content_block_start', { index: 1, content_block: { type: 'text', text: '' } });
    ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'ok' } });
    ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9, output_tokens_details: { thinking_tokens: 6 } } });
    ev('message_stop', {});
    const enc = new OpenAIStreamEncoder('c', true);
    const chunks = events.map((e) => enc.encode(e)).join('').split('\n\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)));
    const deltas = chunks.map((c) => c.choices[0]?.delta ?? {});
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe('step one');
    expect(deltas.find((d) => d.thinking_blocks)?.thinking_blocks).toEqual([{ type: 'thinking', thinking: 'step one', signature: 'sig' }]);
    expect(chunks[chunks.length - 1].usage).toEqual({ prompt_tokens: 3, completion_tokens: 9, total_tokens: 12, completion_tokens_details: { reasoning_tokens: 6 } });
    // The same events re-encoded for an Anthropic caller decode back to the same answer.
    const anEnc = new AnthropicStreamEncoder('c');
    const back = new AnthropicStreamDecoder('x');
    const again: StreamEvent[] = [];
    for (const f of events.map((e) => anEnc.encode(e)).join('').split('\n\n').filter(Boolean)) back.push(JSON.parse(f.split('\ndata: ')[1]), again);
    expect(collect(again)).toEqual(collect(events));
  });

  it('thinking_blocks an OpenAI caller sends back reach Claude in order before the tool call; reasoning_content alone is not sent', () => {
    const a = toClaude({
      reasoning_effort: 'low',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, reasoning_content: 'hmm', thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }], tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      ],
    });
    expect(a.messages[1].content).toEqual([{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }]);
  });

  it('thinking blocks in an Anthropic caller\'s history are left out for an OpenAI model (Chat Completions takes no reasoning back)', () => {
    const o = toGpt({ messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'redacted_thinking', data: 'x' }, { type: 'text', text: 'a' }] },
      { role: 'user', content: 'more' },
    ] });
    expect(o.messages[1]).toEqual({ role: 'assistant', content: 'a' });
  });

  it('reasoning tokens of an OpenAI answer reach an Anthropic caller as thinking_tokens', () => {
    const raw = fromOpenAIResponse({ choices: [{ message: { content: 'x' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 8, completion_tokens_details: { reasoning_tokens: 5 } } }, 'openai');
    expect((toAnthropicResponse(raw, 'o3') as any).usage).toEqual({ input_tokens: 1, output_tokens: 8, output_tokens_details: { thinking_tokens: 5 } });
    const dec = new OpenAIStreamDecoder('openai');
    const evs: StreamEvent[] = [];
    dec.push({ id: 'c', choices: [{ delta: { refusal: 'I cannot' }, finish_reason: 'stop' }] }, evs);
    dec.push({ id: 'c', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, completion_tokens_details: { reasoning_tokens: 1 } } }, evs);
    dec.finish(evs);
    expect(collect(evs)).toMatchObject({ content: [{ type: 'text', text: 'I cannot' }], stopReason: 'content_filter', usage: { reasoningTokens: 1 } });
  });
});

describe('documents and files', () => {
  const pdf = 'JVBERi0xLjQ=';
  it('an OpenAI file part with PDF data becomes an Anthropic base64 document, and back', () => {
    const a = toClaude({ messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` } }, { type: 'text', text: 'sum up' }] }] });
    expect(a.messages[0].content).toEqual([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf }, title: 'a.pdf' }, { type: 'text', text: 'sum up' }]);
    const o = toGpt({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf }, title: 'a.pdf' }, { type: 'text', text: 'sum up' }] }] });
    expect(o.messages[0].content).toEqual([{ type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` } }, { type: 'text', text: 'sum up' }]);
  });

  it.each([
    [{ type: 'file', file: { file_id: 'file-abc' } }, 'messages[0].content[0].file.file_id'],
    [{ type: 'file', file: { file_data: 'data:text/csv;base64,YQ==' } }, 'messages[0].content[0].file.file_data'],
    [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }, 'messages[0].content[0]'],
  ])('OpenAI part %j is refused for a Claude model naming %s', (part, param) => {
    const e = refusal(() => toClaude({ messages: [{ role: 'user', content: [part] }] }));
    expect(e).toMatchObject({ kind: 'invalid_request', param });
    expect(e.message).toMatch(/Anthropic model claude-sonnet-4-6/);
  });

  it.each([
    [{ type: 'document', source: { type: 'url', url: 'https://e.x/a.pdf' } }, 'messages[0].content[0].source.type'],
    [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain' } }, 'messages[0].content[0].source.type'],
    [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'x' }, citations: { enabled: true } }, 'messages[0].content[0].citations'],
    [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }, 'messages[0].content[0].source.type'],
    [{ type: 'search_result', source: 's', title: 't', content: [] }, 'messages[0].content[0].type'],
  ])('Anthropic block %j is refused for an OpenAI model naming %s', (block, param) => {
    const e = refusal(() => toGpt({ messages: [{ role: 'user', content: [block] }] }));
    expect(e).toMatchObject({ kind: 'invalid_request', param });
    expect(e.message).toMatch(/OpenAI model gpt-4o/);
  });

  it('a block only its own dialect knows still reaches a provider of that dialect as it came', () => {
    const block = { type: 'document', source: { type: 'url', url: 'https://e.x/a.pdf' } };
    const req = parseAnthropicRequest({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: [block] }] }).request;
    expect((toAnthropicRequest(req, false, 10) as any).messages[0].content).toEqual([block]);
    const part = { type: 'file', file: { file_id: 'file-abc' } };
    const o = parseOpenAIRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: [part, { type: 'text', text: 'x' }] }] }).request;
    expect((toOpenAIRequest(o, false) as any).messages[0].content[0]).toEqual(part);
  });
});

describe('fields with no counterpart are refused, naming the field and the model', () => {
  it.each([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ seed: 7 }, 'seed'],
    [{ frequency_penalty: 0.5 }, 'frequency_penalty'],
    [{ presence_penalty: 1 }, 'presence_penalty'],
    [{ logit_bias: { 50256: -100 } }, 'logit_bias'],
    [{ store: true }, 'store'],
    [{ metadata: { team: 'a' } }, 'metadata'],
    [{ modalities: ['text', 'audio'] }, 'modalities'],
    [{ audio: { voice: 'alloy', format: 'wav' } }, 'audio'],
    [{ prediction: { type: 'content', content: 'x' } }, 'prediction'],
    [{ service_tier: 'flex' }, 'service_tier'],
    [{ web_search_options: {} }, 'web_search_options'],
    [{ some_future_param: 1 }, 'some_future_param'],
    [{ messages: [{ role: 'user', name: 'ann', content: 'x' }] }, 'messages[0].name'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://e.x/a.png', detail: 'low' } }] }] }, 'image_url.detail'],
  ])('OpenAI %j → Claude is a 400 naming %s', (body, param) => {
    const e = refusal(() => toClaude(body));
    expect(e).toMatchObject({ kind: 'invalid_request', param });
    expect(e.message).toContain('claude-sonnet-4-6');
  });

  it('accepts those fields at their default value, and translates the ones that have a counterpart', () => {
    const a = toClaude({ n: 1, logprobs: false, frequency_penalty: 0, presence_penalty: 0, logit_bias: {}, store: false, modalities: ['text'], service_tier: 'default', safety_identifier: 'u-1' });
    expect(a).toMatchObject({ service_tier: 'standard_only', metadata: { user_id: 'u-1' } });
    for (const k of ['n', 'logprobs', 'frequency_penalty', 'presence_penalty', 'logit_bias', 'store', 'modalities', 'safety_identifier']) expect(a).not.toHaveProperty(k);
    const tool = toClaude({ tools: [{ type: 'function', function: { name: 'f', parameters: schema, strict: true } }] }).tools[0];
    expect(tool).toEqual({ name: 'f', input_schema: schema, strict: true });
    // A tool message's name is its tool's: nothing to carry.
    expect(() => toClaude({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', name: 'f', tool_call_id: 'c', content: 'r' }] })).not.toThrow();
  });

  it.each([
    [{ top_k: 5 }, 'top_k'],
    [{ container: 'c_1' }, 'container'],
    [{ mcp_servers: [{ type: 'url', url: 'https://m.x', name: 'm' }] }, 'mcp_servers'],
    [{ service_tier: 'priority' }, 'service_tier'],
    [{ tools: [{ name: 'f', input_schema: schema }, { type: 'web_search_20250305', name: 'web_search' }] }, 'tools[1]'],
    [{ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'text', text: 'y', citations: [{ type: 'char_location' }] }] }, { role: 'user', content: 'z' }] }, 'messages[1].content[0].citations'],
  ])('Anthropic %j → GPT is a 400 naming %s', (body, param) => {
    const e = refusal(() => toGpt(body));
    expect(e).toMatchObject({ kind: 'invalid_request', param });
    expect(e.message).toContain('gpt-4o');
  });

  it('translates Anthropic\'s service tier and keeps server tools for an Anthropic provider', () => {
    expect(toGpt({ service_tier: 'standard_only' }).service_tier).toBe('default');
    const tools = [{ name: 'f', input_schema: schema }, { type: 'web_search_20250305', name: 'web_search', max_uses: 2 }];
    const a = toAnthropicRequest(parseAnthropicRequest({ model: 'claude-x', max_tokens: 5, messages: user, tools }).request, false, 10) as any;
    expect(a.tools).toEqual(tools);
  });
});

describe('tool details', () => {
  it('parallel_tool_calls: false reaches Claude as disable_parallel_tool_use even without a tool_choice', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: schema } }];
    expect(toClaude({ tools, parallel_tool_calls: false }).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(toClaude({ tools })).not.toHaveProperty('tool_choice');
  });

  it('a tool result marked is_error tells an OpenAI model so in its content', () => {
    const o = toGpt({ messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'boom', is_error: true }] },
    ], tools: [{ name: 'f', input_schema: schema }] });
    expect(o.messages[2]).toEqual({ role: 'tool', tool_call_id: 't1', content: '[tool error] boom' });
  });

  it('a tool field with no counterpart is refused across dialects and kept for the same dialect', () => {
    const anthropicTools = [{ name: 'f', input_schema: schema, input_examples: [{ city: 'Paris' }] }];
    expect(refusal(() => toGpt({ tools: anthropicTools })).param).toBe('tools[0].input_examples');
    const a = toAnthropicRequest(parseAnthropicRequest({ model: 'claude-x', max_tokens: 5, messages: user, tools: anthropicTools }).request, false, 10) as any;
    expect(a.tools).toEqual(anthropicTools);
    const openaiTools = [{ type: 'function', function: { name: 'f', parameters: schema, future_flag: true } }];
    expect(refusal(() => toClaude({ tools: openaiTools })).param).toBe('tools[0].function.future_flag');
    const o = toOpenAIRequest(parseOpenAIRequest({ model: 'gpt-4o', messages: user, tools: openaiTools, seed: 3 }).request, false) as any;
    expect(o.tools).toEqual(openaiTools);
    expect(o.seed).toBe(3);
  });
});

describe('a tool round with thinking on', () => {
  const round = (assistant: object) => ({
    reasoning_effort: 'low',
    messages: [{ role: 'user', content: 'weather?' }, { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }], ...assistant }, { role: 'tool', tool_call_id: 't1', content: 'sunny' }],
  });
  it('is refused, naming thinking_blocks and the model, when the client dropped the signed blocks', () => {
    const e = refusal(() => toClaude(round({ reasoning_content: 'hmm' })));
    expect(e).toMatchObject({ kind: 'invalid_request', param: 'thinking_blocks' });
    expect(e.message).toContain('claude-sonnet-4-6');
    expect(() => toClaude(round({ thinking_blocks: [{ type: 'redacted_thinking', data: 'x' }] }))).not.toThrow();
    expect(() => toClaude({ ...round({}), reasoning_effort: undefined })).not.toThrow();
  });
});

describe('prompt-cache usage', () => {
  it('Anthropic cache reads and writes reach an OpenAI caller inside prompt_tokens, reads as cached_tokens, and go back as they were', () => {
    const raw = fromAnthropicResponse({ content: [{ type: 'text', text: 'x' }], stop_reason: 'end_turn', usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } }, 'anthropic');
    expect((toOpenAIResponse(raw, 'c') as any).usage).toEqual({ prompt_tokens: 130, completion_tokens: 5, total_tokens: 135, prompt_tokens_details: { cached_tokens: 100 } });
    expect((toAnthropicResponse(raw, 'c') as any).usage).toEqual({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 });
  });

  it('OpenAI cached_tokens reach an Anthropic caller as cache_read_input_tokens outside input_tokens, streamed too', () => {
    const raw = fromOpenAIResponse({ choices: [{ message: { content: 'x' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1200, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 1024 } } }, 'openai');
    expect((toAnthropicResponse(raw, 'gpt') as any).usage).toEqual({ input_tokens: 176, output_tokens: 3, cache_read_input_tokens: 1024 });
    const dec = new OpenAIStreamDecoder('openai');
    const evs: StreamEvent[] = [];
    dec.push({ id: 'c', choices: [{ delta: { content: 'x' }, finish_reason: 'stop' }] }, evs);
    dec.push({ id: 'c', choices: [], usage: { prompt_tokens: 1200, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 1024 } } }, evs);
    dec.finish(evs);
    const enc = new AnthropicStreamEncoder('gpt');
    const delta = evs.map((e) => enc.encode(e)).join('').split('\n\n').find((f) => f.startsWith('event: message_delta'))!;
    expect(JSON.parse(delta.split('\ndata: ')[1]).usage).toEqual({ output_tokens: 3, input_tokens: 176, cache_read_input_tokens: 1024 });
  });

  it('a streamed Anthropic answer keeps its cache counts through decode and encode', () => {
    const dec = new AnthropicStreamDecoder('anthropic');
    const evs: StreamEvent[] = [];
    dec.push({ type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 4, output_tokens: 1, cache_read_input_tokens: 50 } } }, evs);
    dec.push({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } }, evs);
    dec.push({ type: 'message_stop' }, evs);
    expect(collect(evs).usage).toEqual({ inputTokens: 54, outputTokens: 7, cacheReadTokens: 50 });
    const enc = new AnthropicStreamEncoder('c');
    const start = enc.encode(evs[0]).split('\ndata: ')[1];
    expect(JSON.parse(start).message.usage).toEqual({ input_tokens: 4, cache_read_input_tokens: 50, output_tokens: 0 });
  });
});

describe('tool results with images', () => {
  const content = [{ type: 'text', text: 'screenshot' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } }];
  const body = { messages: [
    { role: 'user', content: 'look' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
    { role: 'user', content: [{ type: 'text', text: 'and?' }, { type: 'tool_result', tool_use_id: 't1', content }] },
  ], tools: [{ name: 'shot', input_schema: schema }] };
  it('reach Claude as they came, first in their turn, and are refused for an OpenAI model', () => {
    const a = toAnthropicRequest(parseAnthropicRequest({ model: 'claude-x', max_tokens: 5, ...body }).request, false, 10) as any;
    expect(a.messages[2].content).toEqual([{ type: 'tool_result', tool_use_id: 't1', content }, { type: 'text', text: 'and?' }]);
    const e = refusal(() => toGpt(body));
    expect(e).toMatchObject({ kind: 'invalid_request', param: 'messages[2].content[1].content' });
    expect(e.message).toContain('OpenAI model gpt-4o');
  });
});

describe('OpenAI-only tool kinds', () => {
  const custom = { type: 'custom', custom: { name: 'sql', format: { type: 'grammar', grammar: { syntax: 'lark', definition: 'start: "x"' } } } };
  it('custom tools and allowed_tools choices are refused for Claude and kept for an OpenAI model', () => {
    expect(refusal(() => toClaude({ tools: [custom] })).param).toBe('tools[0]');
    const choice = { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'f' } }] } };
    const tools = [{ type: 'function', function: { name: 'f', parameters: schema } }];
    expect(refusal(() => toClaude({ tools, tool_choice: choice })).param).toBe('tool_choice');
    const o = toOpenAIRequest(parseOpenAIRequest({ model: 'gpt-4o', messages: user, tools: [custom, ...tools], tool_choice: choice }).request, false) as any;
    expect(o.tools).toEqual([custom, ...tools]);
    expect(o.tool_choice).toEqual(choice);
  });
});
