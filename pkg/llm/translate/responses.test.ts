import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { parseResponsesRequest, responsesToChat } from './responses-request.ts';
import { ResponsesStreamEncoder, toResponsesObject } from './responses-response.ts';
import { ResponsesItemStore } from './responses-items.ts';
import { ResponsesTap } from './responses-tap.ts';
import { decodeThinking, encodeThinking } from './responses-thinking.ts';

const refusal = (body: unknown): LlmError => {
  try { responsesToChat(body); } catch (e) { return e as LlmError; }
  throw new Error('not refused');
};

describe('responsesToChat', () => {
  it('turns instructions, string input and sampling fields into a chat body', () => {
    expect(responsesToChat({ model: 'claude-x', instructions: 'be brief', input: 'hi', max_output_tokens: 50, temperature: 0.2, top_p: 0.9, user: 'u1', metadata: { a: '1' } })).toEqual({
      model: 'claude-x', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
      max_completion_tokens: 50, temperature: 0.2, top_p: 0.9, user: 'u1', metadata: { a: '1' },
    });
  });

  it('turns message, function_call and function_call_output items into turns, parallel calls into one assistant message', () => {
    const chat = responsesToChat({
      model: 'm',
      input: [
        { role: 'developer', content: 'rules' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather?' }, { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' }] },
        { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'c2', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'rain' }] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Paris is sunny.' }] },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'developer', content: 'rules' },
      { role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] },
      { role: 'assistant', content: null, tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'c2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
      ] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'c2', content: 'rain' },
      { role: 'assistant', content: [{ type: 'text', text: 'Paris is sunny.' }] },
    ]);
  });

  it('maps function tools, tool_choice and text.format (json_schema, json_object) to their chat forms', () => {
    const chat = responsesToChat({
      model: 'm', input: 'x',
      tools: [{ type: 'function', name: 'weather', description: 'd', parameters: { type: 'object', properties: {} }, strict: true }],
      tool_choice: { type: 'function', name: 'weather' },
      text: { format: { type: 'json_schema', name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } } }, strict: true } },
    });
    expect(chat.tools).toEqual([{ type: 'function', function: { name: 'weather', description: 'd', parameters: { type: 'object', properties: {} }, strict: true } }]);
    expect(chat.tool_choice).toEqual({ type: 'function', function: { name: 'weather' } });
    expect(chat.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } } }, strict: true } });
    expect(responsesToChat({ model: 'm', input: 'x', text: { format: { type: 'json_object' } } }).response_format).toEqual({ type: 'json_object' });
    expect(responsesToChat({ model: 'm', input: 'x', text: { format: { type: 'text' } } }).response_format).toBeUndefined();
    expect(responsesToChat({ model: 'm', input: 'x', tool_choice: 'required' }).tool_choice).toBe('required');
  });

  it('refuses what needs OpenAI\'s stored state or built-in tools, naming the field and the model', () => {
    const cases: [unknown, string][] = [
      [{ model: 'claude-x', input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id'],
      [{ model: 'claude-x', input: 'x', store: true, previous_response_id: 'resp_1' }, 'previous_response_id'],
      [{ model: 'claude-x', input: 'x', conversation: 'conv_1' }, 'conversation'],
      [{ model: 'claude-x', input: 'x', background: true }, 'background'],
      [{ model: 'claude-x', input: 'x', prompt: { id: 'pmpt_1' } }, 'prompt'],
      [{ model: 'claude-x', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].id'],
      [{ model: 'claude-x', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ model: 'claude-x', input: 'x', tools: [{ type: 'file_search', vector_store_ids: ['vs'] }] }, 'tools[0].type'],
      [{ model: 'claude-x', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'input[0].content[0].file_id'],
      [{ model: 'claude-x', input: 'x', include: ['reasoning.encrypted_content'] }, 'include'],
    ];
    for (const [body, param] of cases) {
      const e = refusal(body);
      expect(e).toBeInstanceOf(LlmError);
      expect(e).toMatchObject({ kind: 'invalid_request', param });
      expect(e.message).toContain('claude-x');
    }
  });

  it('resolves an item_reference to an output item of an earlier translated answer, and only those', () => {
    const store = new ResponsesItemStore();
    const earlier = toResponsesObject({ id: 'msg_9', model: 'm', stopReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 }, content: [{ type: 'text', text: 'Paris is sunny.' }] }, 'm');
    store.remember(earlier.output);
    const id = (earlier.output as { id: string }[])[0].id;
    const chat = responsesToChat({ model: 'm', input: [{ role: 'user', content: 'weather?' }, { type: 'item_reference', id }, { role: 'user', content: 'and Rome?' }] }, (x) => store.find(x));
    expect(chat.messages).toEqual([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Paris is sunny.' }] },
      { role: 'user', content: 'and Rome?' },
    ]);
    expect(() => responsesToChat({ model: 'm', input: [{ type: 'item_reference', id: 'msg_openai_stored' }] }, (x) => store.find(x))).toThrow(/msg_openai_stored/);
  });

  it('sends a thinking block handed out as a reasoning item back with the next assistant turn; other reasoning is not sent', () => {
    const block = { type: 'thinking' as const, thinking: 'Let me look it up.', signature: 'sig-1' };
    const chat = responsesToChat({
      model: 'claude-x',
      input: [
        { role: 'user', content: 'weather?' },
        { type: 'reasoning', id: 'rs_openai', summary: [{ type: 'summary_text', text: 'openai thoughts' }], encrypted_content: 'gAAAA-openai-opaque' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: block.thinking }], encrypted_content: encodeThinking(block) },
        { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }], thinking_blocks: [block] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ]);
    expect(decodeThinking('gAAAA-openai-opaque')).toBeUndefined();
    expect(decodeThinking(encodeThinking({ type: 'redacted_thinking', data: 'xyz' }))).toEqual({ type: 'redacted_thinking', data: 'xyz' });
  });

  it('keeps a bounded number of items', () => {
    const store = new ResponsesItemStore({ maxItems: 2 });
    store.remember([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect([store.find('a'), store.find('b'), store.find('c')]).toEqual([undefined, { id: 'b' }, { id: 'c' }]);
  });

  it('accepts store on its own (nothing is stored; the answer says store: false)', () => {
    expect(responsesToChat({ model: 'm', input: 'x', store: true })).toEqual({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
  });

  it('validates through the chat translation into the canonical request', () => {
    const { request, stream, includeUsage } = parseResponsesRequest({ model: 'm', instructions: 'sys', input: 'hello', max_output_tokens: 9, stream: true });
    expect(request).toMatchObject({ model: 'm', system: 'sys', maxTokens: 9, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] });
    expect(stream).toBe(true);
    expect(includeUsage).toBe(true);
    expect(() => parseResponsesRequest({ model: 'm', input: 42 })).toThrow(/input must be an array/);
  });
});

describe('thinking as reasoning items', () => {
  it('puts thinking blocks first as reasoning items, the text as summary and the signed block as encrypted_content', () => {
    const r = toResponsesObject({
      id: 'msg_1', model: 'claude-x', stopReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 40, reasoningTokens: 30 },
      thinking: [{ type: 'thinking', thinking: 'Hmm.', signature: 'sig' }, { type: 'redacted_thinking', data: 'zzz' }],
      content: [{ type: 'tool_call', id: 'toolu_1', name: 'weather', arguments: '{}' }],
    }, 'claude-x');
    const output = r.output as Record<string, unknown>[];
    expect(output.map((o) => o.type)).toEqual(['reasoning', 'reasoning', 'function_call']);
    expect(output[0]).toMatchObject({ summary: [{ type: 'summary_text', text: 'Hmm.' }] });
    expect(decodeThinking(output[0].encrypted_content)).toEqual({ type: 'thinking', thinking: 'Hmm.', signature: 'sig' });
    expect(decodeThinking(output[1].encrypted_content)).toEqual({ type: 'redacted_thinking', data: 'zzz' });
    expect(r.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 30 } });
  });

  it('streams a thinking block as a reasoning item closed by its signature, before the text', () => {
    const enc = new ResponsesStreamEncoder('claude-x');
    const input: StreamEvent[] = [
      { type: 'start', id: 'msg_1', model: 'claude-x' },
      { type: 'thinking', text: 'Let me ' }, { type: 'thinking', text: 'think.' }, { type: 'thinking_signature', signature: 'sig' },
      { type: 'text', text: 'Done.' },
      { type: 'end', stopReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } },
    ];
    const out = events(input.map((e) => enc.encode(e)).join(''));
    expect(out.map((e) => e.event).slice(2, 9)).toEqual([
      'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
    ]);
    expect(out[8].data.item).toMatchObject({ type: 'reasoning', summary: [{ text: 'Let me think.' }] });
    expect(decodeThinking(out[8].data.item.encrypted_content)).toEqual({ type: 'thinking', thinking: 'Let me think.', signature: 'sig' });
    expect(out.at(-1)!.data.response.output.map((o: { type: string }) => o.type)).toEqual(['reasoning', 'message']);
  });
});

describe('toResponsesObject', () => {
  it('gives text and function calls as output items, usage with its total, and incomplete on length', () => {
    const r = toResponsesObject({
      id: 'msg_1', model: 'claude-x', stopReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 4 },
      content: [{ type: 'text', text: 'Let me ' }, { type: 'text', text: 'check.' }, { type: 'tool_call', id: 'toolu_1', name: 'weather', arguments: '{"city":"Paris"}' }],
    }, 'claude-x');
    expect(r).toMatchObject({
      id: 'resp_msg_1', object: 'response', status: 'completed', model: 'claude-x', store: false, incomplete_details: null,
      output: [
        { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
        { type: 'function_call', id: 'fc_toolu_1', call_id: 'toolu_1', name: 'weather', arguments: '{"city":"Paris"}', status: 'completed' },
      ],
      usage: { input_tokens: 10, output_tokens: 4, total_tokens: 14 },
    });
    const cut = toResponsesObject({ id: 'x', model: 'm', stopReason: 'length', usage: { inputTokens: 1, outputTokens: 1 }, content: [{ type: 'text', text: 'a' }] }, 'm');
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});

/** The events of an encoded stream, parsed. */
function events(sse: string): { event: string; data: any }[] {
  return sse.split('\n\n').filter(Boolean).map((f) => {
    const [e, d] = f.split('\n');
    return { event: e.slice('event: '.length), data: JSON.parse(d.slice('data: '.length)) };
  });
}

describe('ResponsesStreamEncoder', () => {
  it('encodes text then a tool call as the Responses event sequence, numbered, items closed before the next opens', () => {
    const enc = new ResponsesStreamEncoder('claude-x');
    const input: StreamEvent[] = [
      { type: 'start', id: 'msg_1', model: 'claude-x' },
      { type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' },
      { type: 'tool_start', index: 0, id: 'toolu_1', name: 'weather' },
      { type: 'tool_delta', index: 0, arguments: '{"city":' }, { type: 'tool_delta', index: 0, arguments: '"Paris"}' },
      { type: 'end', stopReason: 'tool_calls', usage: { inputTokens: 5, outputTokens: 3 } },
    ];
    const out = events(input.map((e) => enc.encode(e)).join(''));
    expect(out.map((e) => e.event)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ]);
    expect(out.every((e) => e.data.type === e.event)).toBe(true);
    expect(out.map((e) => e.data.sequence_number)).toEqual(out.map((_, i) => i));
    expect(out[6].data).toMatchObject({ output_index: 0, content_index: 0, text: 'Hi there' });
    expect(out[9].data).toMatchObject({ output_index: 1, item: { type: 'function_call', call_id: 'toolu_1', name: 'weather', arguments: '' } });
    expect(out[12].data).toMatchObject({ output_index: 1, arguments: '{"city":"Paris"}' });
    expect(out[14].data.response).toMatchObject({
      status: 'completed', usage: { input_tokens: 5, output_tokens: 3, total_tokens: 8 },
      output: [{ type: 'message', content: [{ text: 'Hi there' }] }, { type: 'function_call', arguments: '{"city":"Paris"}', status: 'completed' }],
    });
  });

  it('ends a length stop with response.incomplete, and a failure with an error event the SDKs raise', () => {
    const enc = new ResponsesStreamEncoder('m');
    const s = [enc.encode({ type: 'start', id: 'a', model: 'm' }), enc.encode({ type: 'text', text: 'x' }), enc.encode({ type: 'end', stopReason: 'length' })].join('');
    expect(events(s).at(-1)).toMatchObject({ event: 'response.incomplete', data: { response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } } });
    const err = events(new ResponsesStreamEncoder('m').error('upstream stream failed', 'network'))[0];
    expect(err).toMatchObject({ event: 'error', data: { type: 'error', code: 'network', message: 'upstream stream failed', error: { code: 'network' } } });
  });
});

describe('ResponsesTap', () => {
  const frame = (o: object) => `event: ${(o as { type: string }).type}\ndata: ${JSON.stringify(o)}\n\n`;

  it('passes frames through as they came, split anywhere, and reads usage and the end from response.completed', () => {
    const all = frame({ type: 'response.created', response: {} }) + frame({ type: 'response.output_text.delta', delta: 'hi' })
      + frame({ type: 'response.completed', response: { usage: { input_tokens: 7, output_tokens: 2, total_tokens: 9 } } });
    const tap = new ResponsesTap();
    const bytes = Buffer.from(all);
    const out = [tap.push(bytes.subarray(0, 30)), tap.push(bytes.subarray(30, 101)), tap.push(bytes.subarray(101)), tap.flush()];
    expect(Buffer.concat(out).toString()).toBe(all);
    expect(tap.done).toBe(true);
    expect(tap.failed).toBe(false);
    expect(tap.usage).toEqual({ inputTokens: 7, outputTokens: 2 });
  });

  it('marks error and response.failed events as failed, and stops at a frame that is not JSON', () => {
    const t1 = new ResponsesTap();
    t1.push(Buffer.from(frame({ type: 'error', code: 'server_error', message: 'x' })));
    expect(t1.failed).toBe(true);
    const t2 = new ResponsesTap();
    t2.push(Buffer.from(frame({ type: 'response.failed', response: { error: { code: 'x', message: 'y' } } })));
    expect(t2).toMatchObject({ failed: true, done: true });
    const t3 = new ResponsesTap();
    const kept = t3.push(Buffer.from(`${frame({ type: 'response.created', response: {} })}data: {not json\n\n`));
    expect(t3.malformed).toBe(true);
    expect(kept.toString()).toBe(frame({ type: 'response.created', response: {} }));
  });
});
