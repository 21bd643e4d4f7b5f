import type { ChatCompletionChunk, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import type { ChatUsage } from './types.ts';

/**
 * One streamed model call put back together: text, tool calls assembled by
 * their `index` (id and name arrive in the first delta of a call, the
 * arguments in pieces after it), the finish reason and the usage chunk.
 */
export class RoundAssembler {
  text = '';
  finishReason: string | null = null;
  usage: ChatUsage | undefined;
  readonly #calls = new Map<number, { id: string; name: string; arguments: string }>();

  /** Takes one chunk; returns its text to stream on, if any. */
  add(chunk: ChatCompletionChunk): string | undefined {
    if (chunk.usage) {
      const { prompt_tokens = 0, completion_tokens = 0 } = chunk.usage;
      this.usage = { prompt_tokens, completion_tokens, total_tokens: chunk.usage.total_tokens ?? prompt_tokens + completion_tokens };
    }
    const choice = chunk.choices?.[0];
    if (!choice) return undefined;
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    for (const d of choice.delta?.tool_calls ?? []) {
      const call = this.#calls.get(d.index) ?? { id: '', name: '', arguments: '' };
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      if (d.function?.arguments) call.arguments += d.function.arguments;
      this.#calls.set(d.index, call);
    }
    const text = choice.delta?.content;
    if (!text) return undefined;
    this.text += text;
    return text;
  }

  /** The tool calls in index order; a call whose id never came gets one, so its result can still be matched. */
  toolCalls(round: number): ChatCompletionMessageFunctionToolCall[] {
    return [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => ({ id: c.id || `call_r${round}_${index}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
}

export function addUsage(total: ChatUsage, round: ChatUsage | undefined): void {
  if (!round) return;
  total.prompt_tokens += round.prompt_tokens;
  total.completion_tokens += round.completion_tokens;
  total.total_tokens += round.total_tokens;
}
