import { describe, expect, it } from 'vitest';
import { collect, type Request, type StreamEvent, type Tool } from '../canonical.ts';
import { MockProvider, mockToolArguments } from './mock.ts';

const never = new AbortController().signal;

const lookup: Tool = {
  name: 'knowledge_lookup',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 10 } },
    required: ['query'],
  },
};

function ask(text: string, tools?: Tool[]): Request {
  return { model: 'mock', messages: [{ role: 'user', content: [{ type: 'text', text }] }], tools };
}

async function streamed(m: MockProvider, req: Request): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of m.stream(req, never)) out.push(ev);
  return out;
}

describe('mockToolArguments', () => {
  it('puts the user text in the first required string property', () => {
    expect(mockToolArguments(lookup.parameters, 'how does the breaker open?')).toEqual({ query: 'how does the breaker open?' });
  });

  it('skips required properties that are not strings', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' }, q: { type: ['string', 'null'] } }, required: ['n', 'q'] };
    expect(mockToolArguments(schema, 'x')).toEqual({ q: 'x' });
  });

  it('keeps {"input": …} when no string is required', () => {
    expect(mockToolArguments({ type: 'object' }, 'hi')).toEqual({ input: 'hi' });
    expect(mockToolArguments({ type: 'object', properties: { q: { type: 'string' } } }, 'hi')).toEqual({ input: 'hi' });
    expect(mockToolArguments({ type: 'object', properties: {}, required: ['ghost'] }, 'hi')).toEqual({ input: 'hi' });
  });
});

describe('MockProvider tool round trip', () => {
  it('calls the tool with schema-shaped arguments, streamed in pieces', async () => {
    const events = await streamed(new MockProvider(), ask('where is the retry policy?', [lookup]));
    const res = collect(events);
    expect(res.stopReason).toBe('tool_calls');
    expect(res.content).toEqual([{ type: 'tool_call', id: expect.any(String), name: 'knowledge_lookup', arguments: JSON.stringify({ query: 'where is the retry policy?' }) }]);
    expect(events.filter((e) => e.type === 'tool_delta').length).toBeGreaterThan(1);
  });

  it('answers with the tool result once it is in the last turn', async () => {
    const m = new MockProvider();
    const first = await m.complete(ask('retry policy', [lookup]), never);
    const call = first.content[0];
    if (call.type !== 'tool_call') throw new Error('expected a tool call');
    const second = await m.complete({
      model: 'mock',
      tools: [lookup],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'retry policy' }] },
        { role: 'assistant', content: [call] },
        { role: 'user', content: [{ type: 'tool_result', toolCallId: call.id, content: '{"results":[{"path":"docs/llm-proxy.md"}]}' }] },
      ],
    }, never);
    expect(second.stopReason).toBe('stop');
    expect(second.content).toEqual([{ type: 'text', text: 'mock: tool said {"results":[{"path":"docs/llm-proxy.md"}]}' }]);
  });

  it('does not call a tool when tool_choice is none', async () => {
    const res = await new MockProvider().complete({ ...ask('hi', [lookup]), toolChoice: { type: 'none' } }, never);
    expect(res.content).toEqual([{ type: 'text', text: 'mock: hi' }]);
  });
});

describe('MockProvider structured output', () => {
  it('answers a response format with a JSON object of its shape, finish stop', async () => {
    const m = new MockProvider();
    const req: Request = { ...ask('hi'), responseFormat: { type: 'json_schema', name: 'q', schema: lookup.parameters } };
    const res = await m.complete(req, never);
    expect(JSON.parse(res.content[0].type === 'text' ? res.content[0].text : '')).toEqual({ query: 'mock: hi' });
    expect(res.stopReason).toBe('stop');
    expect(JSON.parse((collect(await streamed(m, { ...ask('x'), responseFormat: { type: 'json_object' } })).content[0] as { text: string }).text)).toEqual({ input: 'mock: x' });
  });
});
