import type { StreamEvent } from '../canonical.ts';
import type { Obj } from './check.ts';
import { toOpenAIFinish } from './reasons.ts';
import { openaiUsage } from './openai-response.ts';

/**
 * Canonical stream events → OpenAI `chat.completion.chunk` SSE frames. One
 * encoder per response. `error()` ends a stream that failed after its first
 * byte with a `data: {"error":…}` frame and no `[DONE]`, which makes the
 * official SDK throw instead of seeing a clean end.
 */
export class OpenAIStreamEncoder {
  #id = '';
  #model: string;
  #created = Math.floor(Date.now() / 1000);
  #includeUsage: boolean;
  #prefix = '';
  #thinking = '';

  constructor(model: string, includeUsage: boolean) {
    this.#model = model;
    this.#includeUsage = includeUsage;
  }

  #chunk(delta: Obj, finish: string | null): string {
    return `${this.#prefix}${JSON.stringify({ index: 0, delta, logprobs: null, finish_reason: finish })}]}\n\n`;
  }

  encode(ev: StreamEvent): string {
    switch (ev.type) {
      case 'start':
        this.#id = ev.id.startsWith('chatcmpl') ? ev.id : `chatcmpl-${ev.id}`;
        this.#prefix = `data: {"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk","created":${this.#created},"model":${JSON.stringify(this.#model)},"choices":[`;
        return this.#chunk({ role: 'assistant', content: '' }, null);
      case 'text':
        return this.#chunk({ content: ev.text }, null);
      // A Claude model's thinking: its text as reasoning_content deltas, each finished block (with its signature) as thinking_blocks.
      case 'thinking':
        this.#thinking += ev.text;
        return this.#chunk({ reasoning_content: ev.text }, null);
      case 'thinking_signature': {
        const block = { type: 'thinking', thinking: this.#thinking, signature: ev.signature };
        this.#thinking = '';
        return this.#chunk({ thinking_blocks: [block] }, null);
      }
      case 'redacted_thinking':
        return this.#chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: ev.data }] }, null);
      case 'tool_start':
        return this.#chunk({ tool_calls: [{ index: ev.index, id: ev.id, type: 'function', function: { name: ev.name, arguments: '' } }] }, null);
      case 'tool_delta':
        return this.#chunk({ tool_calls: [{ index: ev.index, function: { arguments: ev.arguments } }] }, null);
      case 'end': {
        let out = this.#chunk({}, toOpenAIFinish(ev.stopReason));
        if (this.#includeUsage) {
          const u = ev.usage ?? { inputTokens: 0, outputTokens: 0 };
          out += `data: ${JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [], usage: openaiUsage(u) })}\n\n`;
        }
        return `${out}data: [DONE]\n\n`;
      }
    }
  }

  error(message: string, code: string): string {
    return `data: ${JSON.stringify({ error: { message, type: 'upstream_error', param: null, code } })}\n\n`;
  }
}
