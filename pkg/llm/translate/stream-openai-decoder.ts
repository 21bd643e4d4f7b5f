import type { StopReason, StreamEvent, Usage } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { isObj, type Obj } from './check.ts';
import { fromOpenAIFinish } from './reasons.ts';
import { fromOpenAIUsage } from './openai-response.ts';

/**
 * OpenAI `chat.completion.chunk` objects → canonical events. `finish()` is
 * called when the upstream stream ends: without a finish_reason the stream was
 * cut, which is an error, never a clean end.
 */
export class OpenAIStreamDecoder {
  #provider: string;
  #started = false;
  #stop: StopReason | undefined;
  #usage: Usage | undefined;
  #tools = new Set<number>();
  #ended = false;
  #refused = false;

  constructor(provider: string) {
    this.#provider = provider;
  }

  push(chunk: unknown, out: StreamEvent[]): void {
    if (!isObj(chunk)) throw new LlmError('malformed', 'provider sent an unexpected stream chunk', { provider: this.#provider });
    if (!this.#started) {
      this.#started = true;
      out.push({ type: 'start', id: String(chunk.id ?? ''), model: String(chunk.model ?? '') });
    }
    if (isObj(chunk.usage)) this.#usage = fromOpenAIUsage(chunk.usage);
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as Obj | undefined) : undefined;
    if (!choice) return;
    const delta = isObj(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content) out.push({ type: 'text', text: delta.content });
    // A refusal streams as the answer's text; the stream then ends as content_filter.
    if (typeof delta.refusal === 'string' && delta.refusal) { this.#refused = true; out.push({ type: 'text', text: delta.refusal }); }
    if (Array.isArray(delta.tool_calls)) {
      for (const tc of delta.tool_calls as Obj[]) {
        const index = Number(tc.index ?? 0);
        const fn = isObj(tc.function) ? tc.function : {};
        if (!this.#tools.has(index)) {
          this.#tools.add(index);
          out.push({ type: 'tool_start', index, id: String(tc.id ?? `call_${index}`), name: String(fn.name ?? '') });
        }
        if (typeof fn.arguments === 'string' && fn.arguments) out.push({ type: 'tool_delta', index, arguments: fn.arguments });
      }
    }
    if (choice.finish_reason) this.#stop = fromOpenAIFinish(choice.finish_reason);
  }

  finish(out: StreamEvent[]): void {
    if (this.#ended) return;
    if (this.#stop === undefined) throw new LlmError('truncated', 'provider stream ended before its finish reason', { provider: this.#provider });
    this.#ended = true;
    out.push({ type: 'end', stopReason: this.#refused ? 'content_filter' : this.#stop, usage: this.#usage });
  }
}
