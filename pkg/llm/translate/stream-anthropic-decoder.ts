import { fromAnthropicCounts, type StopReason, type StreamEvent, type Usage } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { isObj } from './check.ts';
import { fromAnthropicStop } from './reasons.ts';

/** Anthropic stream events → canonical events; `finish()` throws when `message_stop` never came. */
export class AnthropicStreamDecoder {
  #provider: string;
  #tools = new Map<number, number>(); // block index → tool index
  #toolCount = 0;
  #stop: StopReason = 'stop';
  /** Anthropic's own input fields (input_tokens, cache reads and writes), as last reported. */
  #inputFields: Record<string, unknown> = {};
  #output = 0;
  #thinkingTokens: number | undefined;
  #ended = false;

  constructor(provider: string) {
    this.#provider = provider;
  }

  push(ev: unknown, out: StreamEvent[]): void {
    if (!isObj(ev)) throw new LlmError('malformed', 'provider sent an unexpected stream event', { provider: this.#provider });
    switch (ev.type) {
      case 'message_start': {
        const m = isObj(ev.message) ? ev.message : {};
        const u = isObj(m.usage) ? m.usage : {};
        this.#take(u);
        this.#output = Number(u.output_tokens ?? 0);
        out.push({ type: 'start', id: String(m.id ?? ''), model: String(m.model ?? ''), ...this.#input() });
        return;
      }
      case 'content_block_start': {
        const b = isObj(ev.content_block) ? ev.content_block : {};
        if (b.type === 'tool_use') {
          const index = this.#toolCount++;
          this.#tools.set(Number(ev.index), index);
          out.push({ type: 'tool_start', index, id: String(b.id ?? ''), name: String(b.name ?? '') });
        } else if (b.type === 'text' && typeof b.text === 'string' && b.text) out.push({ type: 'text', text: b.text });
        else if (b.type === 'thinking' && typeof b.thinking === 'string' && b.thinking) out.push({ type: 'thinking', text: b.thinking });
        else if (b.type === 'redacted_thinking') out.push({ type: 'redacted_thinking', data: String(b.data ?? '') });
        return;
      }
      case 'content_block_delta': {
        const d = isObj(ev.delta) ? ev.delta : {};
        if (d.type === 'text_delta' && typeof d.text === 'string') out.push({ type: 'text', text: d.text });
        else if (d.type === 'thinking_delta' && typeof d.thinking === 'string') out.push({ type: 'thinking', text: d.thinking });
        else if (d.type === 'signature_delta' && typeof d.signature === 'string') out.push({ type: 'thinking_signature', signature: d.signature });
        else if (d.type === 'input_json_delta' && typeof d.partial_json === 'string' && d.partial_json) {
          const index = this.#tools.get(Number(ev.index));
          if (index !== undefined) out.push({ type: 'tool_delta', index, arguments: d.partial_json });
        }
        return;
      }
      case 'message_delta': {
        const d = isObj(ev.delta) ? ev.delta : {};
        if (d.stop_reason) this.#stop = fromAnthropicStop(d.stop_reason);
        if (isObj(ev.usage) && ev.usage.output_tokens !== undefined) this.#output = Number(ev.usage.output_tokens);
        if (isObj(ev.usage)) this.#take(ev.usage);
        if (isObj(ev.usage) && isObj(ev.usage.output_tokens_details) && typeof ev.usage.output_tokens_details.thinking_tokens === 'number') this.#thinkingTokens = ev.usage.output_tokens_details.thinking_tokens;
        return;
      }
      case 'message_stop':
        this.#ended = true;
        out.push({ type: 'end', stopReason: this.#stop, usage: { ...this.#input(), outputTokens: this.#output, ...(this.#thinkingTokens !== undefined ? { reasoningTokens: this.#thinkingTokens } : {}) } });
        return;
      case 'error': {
        const e = isObj(ev.error) ? ev.error : {};
        throw new LlmError(e.type === 'overloaded_error' ? 'overloaded' : 'server', `provider stream error: ${String(e.message ?? e.type ?? 'unknown')}`, { provider: this.#provider });
      }
      default:
        return; // ping and unknown events
    }
  }

  /** A message_delta's usage repeats or updates the input fields it carries (a zero input_tokens is no update). */
  #take(u: Record<string, unknown>): void {
    for (const k of ['input_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
      if (typeof u[k] === 'number' && (u[k] !== 0 || this.#inputFields[k] === undefined)) this.#inputFields[k] = u[k];
    }
  }

  #input(): Omit<Usage, 'outputTokens'> {
    return fromAnthropicCounts(this.#inputFields);
  }

  finish(_out: StreamEvent[]): void {
    if (!this.#ended) throw new LlmError('truncated', 'provider stream ended before message_stop', { provider: this.#provider });
  }
}
