import { describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer';
import { LlmError } from './errors.ts';
import { estimateInputTokens, estimateResponsesInputTokens, textsOf } from './token-estimate.ts';

describe('token estimate', () => {
  it('counts system, message blocks and tool definitions, with framing per message and tool', async () => {
    const body = {
      system: [{ type: 'text', text: 'be brief' }],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'sunny' }] }] },
      ],
      tools: [{ name: 'weather', description: 'Weather in a city', input_schema: { type: 'object' } }],
    };
    const { texts, framing } = textsOf(body);
    expect(texts).toEqual(['be brief', 'weather in Paris?', '{"city":"Paris"}', 'weather', 'sunny', 'weather\nWeather in a city\n{"type":"object"}']);
    expect(framing).toBe(3 * 4 + 8);
    expect(await estimateInputTokens(body)).toBe(framing + texts.reduce((n, t) => n + countTokens(t), 0));
  });

  it('grows with the text and ignores what is not text (images count as nothing)', async () => {
    const short = await estimateInputTokens({ messages: [{ role: 'user', content: 'hi' }] });
    const long = await estimateInputTokens({ messages: [{ role: 'user', content: 'hi '.repeat(100) }] });
    expect(long).toBeGreaterThan(short);
    expect(await estimateInputTokens({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: 'AAAA' } }] }] })).toBe(4);
  });
});

describe('Responses token estimate', () => {
  it('counts instructions, input items, function calls and their outputs, and tools like the same chat turns', async () => {
    const n = await estimateResponsesInputTokens({
      model: 'claude-x', instructions: 'be brief',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'weather?' }] },
        { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
      ],
      tools: [{ type: 'function', name: 'weather', description: 'd', parameters: { type: 'object' } }],
    });
    const texts = ['be brief', 'weather?', 'weather {"city":"Paris"}', 'sunny', 'weather\nd\n{"type":"object"}'];
    expect(n).toBe(texts.reduce((t, s) => t + countTokens(s), 0) + 3 * 4 + 8);
  });

  it('refuses what a translated Responses request refuses', async () => {
    await expect(estimateResponsesInputTokens({ model: 'claude-x', input: 'x', previous_response_id: 'resp_1' })).rejects.toBeInstanceOf(LlmError);
  });
});
