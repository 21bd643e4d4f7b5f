import type { StopReason, StreamEvent, Usage } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { isObj, type Obj } from './check.ts';
import { fromOpenAIFinish, toOpenAIFinish } from './reasons.ts';

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
      case 'tool_start':
        return this.#chunk({ tool_calls: [{ index: ev.index, id: ev.id, type: 'function', function: { name: ev.name, arguments: '' } }] }, null);
      case 'tool_delta':
        return this.#chunk({ tool_calls: [{ index: ev.index, function: { arguments: ev.arguments } }] }, null);
      case 'end': {
        let out = this.#chunk({}, toOpenAIFinish(ev.stopReason));
        if (this.#includeUsage) {
          const u = ev.usage ?? { inputTokens: 0, outputTokens: 0 };
          out += `data: ${JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [], usage: { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens } })}\n\n`;
        }
        return `${out}data: [DONE]\n\n`;
      }
    }
  }

  error(message: string, code: string): string {
    return `data: ${JSON.stringify({ error: { message, type: 'upstream_error', param: null, code } })}\n\n`;
  }
}

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

  constructor(provider: string) {
    this.#provider = provider;
  }

  push(chunk: unknown, out: StreamEvent[]): void {
    if (!isObj(chunk)) throw new LlmError('malformed', 'provider sent an unexpected stream chunk', { provider: this.#provider });
    if (!this.#started) {
      this.#started = true;
      out.push({ type: 'start', id: String(chunk.id ?? ''), model: String(chunk.model ?? '') });
    }
    if (isObj(chunk.usage)) this.#usage = { inputTokens: Number(chunk.usage.prompt_tokens ?? 0), outputTokens: Number(chunk.usage.completion_tokens ?? 0) };
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as Obj | undefined) : undefined;
    if (!choice) return;
    const delta = isObj(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content) out.push({ type: 'text', text: delta.content });
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
    out.push({ type: 'end', stopReason: this.#stop, usage: this.#usage });
  }
}
