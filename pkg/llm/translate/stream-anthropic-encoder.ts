import { toAnthropicCounts, type StreamEvent } from '../canonical.ts';
import type { Obj } from './check.ts';
import { toAnthropicStop } from './reasons.ts';

const frame = (type: string, data: Obj) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Canonical stream events → Anthropic Messages SSE events, opening and closing
 * content blocks as text and tool calls alternate. `error()` ends a failed
 * stream with an `event: error`, which the official SDK throws on.
 */
export class AnthropicStreamEncoder {
  #model: string;
  #block = -1; // index of the open block, -1 when none is open
  #blockType: 'text' | 'tool' | 'thinking' | '' = '';
  #next = 0;
  #toolBlocks = new Map<number, number>();

  constructor(model: string) {
    this.#model = model;
  }

  #close(): string {
    if (this.#block < 0) return '';
    const s = frame('content_block_stop', { type: 'content_block_stop', index: this.#block });
    this.#block = -1;
    this.#blockType = '';
    return s;
  }

  #open(block: Obj, type: 'text' | 'tool' | 'thinking'): string {
    const out = this.#close();
    this.#block = this.#next++;
    this.#blockType = type;
    return out + frame('content_block_start', { type: 'content_block_start', index: this.#block, content_block: block });
  }

  encode(ev: StreamEvent): string {
    switch (ev.type) {
      case 'start': {
        const id = ev.id.startsWith('msg_') ? ev.id : `msg_${ev.id}`;
        return frame('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model: this.#model, content: [], stop_reason: null, stop_sequence: null, usage: { ...toAnthropicCounts({ inputTokens: ev.inputTokens ?? 0, cacheReadTokens: ev.cacheReadTokens, cacheWriteTokens: ev.cacheWriteTokens }), output_tokens: 0 } } });
      }
      case 'text': {
        let out = '';
        if (this.#blockType !== 'text') {
          out += this.#close();
          this.#block = this.#next++;
          this.#blockType = 'text';
          out += frame('content_block_start', { type: 'content_block_start', index: this.#block, content_block: { type: 'text', text: '' } });
        }
        return out + frame('content_block_delta', { type: 'content_block_delta', index: this.#block, delta: { type: 'text_delta', text: ev.text } });
      }
      case 'thinking': {
        let out = '';
        if (this.#blockType !== 'thinking') out += this.#open({ type: 'thinking', thinking: '', signature: '' }, 'thinking');
        return out + frame('content_block_delta', { type: 'content_block_delta', index: this.#block, delta: { type: 'thinking_delta', thinking: ev.text } });
      }
      case 'thinking_signature': {
        let out = '';
        if (this.#blockType !== 'thinking') out += this.#open({ type: 'thinking', thinking: '', signature: '' }, 'thinking');
        out += frame('content_block_delta', { type: 'content_block_delta', index: this.#block, delta: { type: 'signature_delta', signature: ev.signature } });
        return out + this.#close();
      }
      case 'redacted_thinking':
        return this.#open({ type: 'redacted_thinking', data: ev.data }, 'thinking') + this.#close();
      case 'tool_start': {
        let out = this.#close();
        this.#block = this.#next++;
        this.#blockType = 'tool';
        this.#toolBlocks.set(ev.index, this.#block);
        out += frame('content_block_start', { type: 'content_block_start', index: this.#block, content_block: { type: 'tool_use', id: ev.id, name: ev.name, input: {} } });
        return out;
      }
      case 'tool_delta': {
        const index = this.#toolBlocks.get(ev.index);
        if (index === undefined) return '';
        return frame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: ev.arguments } });
      }
      case 'end': {
        // An OpenAI upstream reports its prompt tokens only in its last chunk, after message_start went out with 0:
        // message_delta carries them, and @anthropic-ai/sdk's MessageStream takes input_tokens from there when present.
        const usage: Obj = { output_tokens: ev.usage?.outputTokens ?? 0 };
        if (ev.usage?.inputTokens) Object.assign(usage, toAnthropicCounts(ev.usage));
        if (ev.usage?.reasoningTokens !== undefined) usage.output_tokens_details = { thinking_tokens: ev.usage.reasoningTokens };
        return this.#close()
          + frame('message_delta', { type: 'message_delta', delta: { stop_reason: toAnthropicStop(ev.stopReason), stop_sequence: null }, usage })
          + frame('message_stop', { type: 'message_stop' });
      }
    }
  }

  error(message: string, type = 'api_error'): string {
    return frame('error', { type: 'error', error: { type, message } });
  }
}
