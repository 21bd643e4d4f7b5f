import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { addUsage, RoundAssembler } from './round.ts';

type Delta = ChatCompletionChunk.Choice.Delta;
const chunk = (delta: Delta, finish: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk =>
  ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });

describe('RoundAssembler', () => {
  it('streams text on and keeps it', () => {
    const r = new RoundAssembler();
    expect(r.add(chunk({ role: 'assistant', content: '' }))).toBeUndefined();
    expect(r.add(chunk({ content: 'Hel' }))).toBe('Hel');
    expect(r.add(chunk({ content: 'lo' }))).toBe('lo');
    expect(r.add(chunk({}, 'stop'))).toBeUndefined();
    expect(r.text).toBe('Hello');
    expect(r.finishReason).toBe('stop');
    expect(r.toolCalls(0)).toEqual([]);
  });

  it('assembles interleaved tool calls by index, in index order', () => {
    const r = new RoundAssembler();
    r.add(chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'knowledge_lookup', arguments: '' } }] }));
    r.add(chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'knowledge_lookup', arguments: '{"qu' } }] }));
    r.add(chunk({ tool_calls: [{ index: 1, function: { arguments: '{"query":"b"}' } }, { index: 0, function: { arguments: 'ery":"a"}' } }] }));
    r.add(chunk({}, 'tool_calls'));
    expect(r.finishReason).toBe('tool_calls');
    expect(r.toolCalls(2)).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'knowledge_lookup', arguments: '{"query":"a"}' } },
      { id: 'call_b', type: 'function', function: { name: 'knowledge_lookup', arguments: '{"query":"b"}' } },
    ]);
  });

  it('gives a call without an id one that is unique per round and index', () => {
    const r = new RoundAssembler();
    r.add(chunk({ tool_calls: [{ index: 0, function: { name: 'knowledge_lookup', arguments: '{}' } }] }));
    expect(r.toolCalls(3)[0].id).toBe('call_r3_0');
  });

  it('reads the usage chunk (no choices) and sums rounds', () => {
    const r = new RoundAssembler();
    r.add({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
    expect(r.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    const total = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    addUsage(total, r.usage);
    addUsage(total, undefined);
    expect(total).toEqual({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
  });
});
