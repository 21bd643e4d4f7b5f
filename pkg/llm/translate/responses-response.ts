/**
 * Canonical answers in the OpenAI Responses shape, for a Responses caller
 * served by a provider without the Responses API: the `response` object, and
 * the stream as Responses events (`response.created`,
 * `response.output_item.added`, `response.content_part.added`,
 * `response.output_text.delta`/`.done`, `response.reasoning_summary_text.delta`/`.done`
 * (a Claude thinking block, as a reasoning item),
 * `response.function_call_arguments.delta`/`.done`,
 * `response.output_item.done`, `response.completed` or
 * `response.incomplete`, and `error` for a stream that fails after its first
 * byte).
 */
import type { Response, StopReason, StreamEvent, Usage } from '../canonical.ts';
import type { Obj } from './check.ts';
import { encodeThinking } from './responses-thinking.ts';

const responseId = (id: string) => (id.startsWith('resp_') ? id : `resp_${id}`);

function usageOf(usage: Usage): Obj {
  const u = usage as Usage & { cacheReadTokens?: number; reasoningTokens?: number };
  const out: Obj = { input_tokens: u.inputTokens, output_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens };
  if (u.cacheReadTokens !== undefined) out.input_tokens_details = { cached_tokens: u.cacheReadTokens };
  if (u.reasoningTokens !== undefined) out.output_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return out;
}

/** `status` and `incomplete_details` of a finished response. */
function ending(reason: StopReason): { status: string; incomplete_details: Obj | null } {
  if (reason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

function envelope(id: string, model: string, createdAt: number): Obj {
  // `store: false`: nothing is kept, a later previous_response_id could not name this response.
  return { id: responseId(id), object: 'response', created_at: createdAt, model, error: null, store: false, previous_response_id: null };
}

const textPart = (text: string): Obj => ({ type: 'output_text', text, annotations: [], logprobs: [] });
const messageItem = (id: string, text: string, status: string): Obj => ({ id, type: 'message', status, role: 'assistant', content: status === 'in_progress' ? [] : [textPart(text)] });
const callItem = (id: string, callId: string, name: string, args: string, status: string): Obj => ({ id, type: 'function_call', status, call_id: callId, name, arguments: args });
/**
 * A thinking block as a `reasoning` item: its text as the summary, the block itself (signature included) as the
 * `encrypted_content` a caller sends back, so that Claude can continue a tool round with thinking on.
 */
const reasoningItem = (id: string, block: { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string }): Obj => ({
  id, type: 'reasoning', summary: block.type === 'thinking' && block.thinking ? [{ type: 'summary_text', text: block.thinking }] : [], encrypted_content: encodeThinking(block),
});

/** A canonical response as a Responses `response` object: thinking blocks as reasoning items, then text and function calls. */
export function toResponsesObject(res: Response, model: string): Obj {
  const output: Obj[] = [];
  let n = 0;
  const thinking = (res as Response & { thinking?: Parameters<typeof reasoningItem>[1][] }).thinking ?? [];
  for (const block of thinking) output.push(reasoningItem(`rs_${res.id}_${n++}`, block));
  for (const p of res.content) {
    if (p.type === 'text') {
      const last = output[output.length - 1];
      if (last?.type === 'message') (last.content as Obj[])[0].text += p.text;
      else output.push(messageItem(`msg_${res.id}_${n++}`, p.text, 'completed'));
    } else if (p.type === 'tool_call') {
      output.push(callItem(`fc_${p.id}`, p.id, p.name, p.arguments, 'completed'));
    }
  }
  return { ...envelope(res.id, model, Math.floor(Date.now() / 1000)), ...ending(res.stopReason), output, usage: usageOf(res.usage) };
}

interface OpenItem { index: number; item: Obj; text: string; kind: 'message' | 'call' | 'reasoning'; signature?: string }

/**
 * Canonical stream events → Responses SSE events, one encoder per response. An item is closed (its `.done` events)
 * when the next one starts or the response ends, so the official SDKs' accumulators see each item whole.
 */
export class ResponsesStreamEncoder {
  #model: string;
  #id = '';
  #createdAt = Math.floor(Date.now() / 1000);
  #seq = 0;
  #output: Obj[] = [];
  #open: OpenItem | undefined;
  #calls = new Map<number, OpenItem>();
  #onOutput: ((output: Obj[]) => void) | undefined;

  /** `onOutput`: called with the answer's output items once it is complete (responses-items.ts keeps them). */
  constructor(model: string, onOutput?: (output: Obj[]) => void) {
    this.#model = model;
    this.#onOutput = onOutput;
  }

  #ev(type: string, data: Obj): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.#seq++, ...data })}\n\n`;
  }

  #close(): string {
    const o = this.#open;
    if (!o) return '';
    this.#open = undefined;
    if (o.kind === 'reasoning') {
      const item = reasoningItem(o.item.id as string, { type: 'thinking', thinking: o.text, signature: o.signature ?? '' });
      this.#output[o.index] = item;
      const ids = { item_id: o.item.id, output_index: o.index, summary_index: 0 };
      return this.#ev('response.reasoning_summary_text.done', { ...ids, text: o.text })
        + this.#ev('response.reasoning_summary_part.done', { ...ids, part: { type: 'summary_text', text: o.text } })
        + this.#ev('response.output_item.done', { output_index: o.index, item });
    }
    if (o.kind === 'message') {
      const ids = { item_id: o.item.id, output_index: o.index, content_index: 0 };
      const item = messageItem(o.item.id as string, o.text, 'completed');
      this.#output[o.index] = item;
      return this.#ev('response.output_text.done', { ...ids, text: o.text, logprobs: [] })
        + this.#ev('response.content_part.done', { ...ids, part: textPart(o.text) })
        + this.#ev('response.output_item.done', { output_index: o.index, item });
    }
    const item = { ...o.item, status: 'completed', arguments: o.text };
    this.#output[o.index] = item;
    return this.#ev('response.function_call_arguments.done', { item_id: o.item.id, output_index: o.index, arguments: o.text })
      + this.#ev('response.output_item.done', { output_index: o.index, item });
  }

  #add(kind: OpenItem['kind'], item: Obj): { out: string; open: OpenItem } {
    let out = this.#close();
    const open: OpenItem = { index: this.#output.length, item, text: '', kind };
    this.#output.push(item);
    this.#open = open;
    out += this.#ev('response.output_item.added', { output_index: open.index, item });
    if (kind === 'message') out += this.#ev('response.content_part.added', { item_id: item.id, output_index: open.index, content_index: 0, part: textPart('') });
    if (kind === 'reasoning') out += this.#ev('response.reasoning_summary_part.added', { item_id: item.id, output_index: open.index, summary_index: 0, part: { type: 'summary_text', text: '' } });
    return { out, open };
  }

  encode(ev: StreamEvent): string {
    switch (ev.type) {
      case 'start': {
        this.#id = ev.id;
        if (ev.model) this.#model = ev.model;
        const response = { ...envelope(this.#id, this.#model, this.#createdAt), status: 'in_progress', incomplete_details: null, output: [], usage: null };
        return this.#ev('response.created', { response }) + this.#ev('response.in_progress', { response });
      }
      case 'text': {
        let out = '';
        let o = this.#open;
        if (o?.kind !== 'message') ({ out, open: o } = this.#add('message', messageItem(`msg_${this.#id}_${this.#output.length}`, '', 'in_progress')));
        o.text += ev.text;
        return out + this.#ev('response.output_text.delta', { item_id: o.item.id, output_index: o.index, content_index: 0, delta: ev.text, logprobs: [] });
      }
      case 'tool_start': {
        const { out, open } = this.#add('call', callItem(`fc_${ev.id}`, ev.id, ev.name, '', 'in_progress'));
        this.#calls.set(ev.index, open);
        return out;
      }
      case 'tool_delta': {
        const o = this.#calls.get(ev.index);
        // Providers stream calls one after another; a delta for a call already closed (its `.done` sent) has no place left.
        if (!o || o !== this.#open) return '';
        o.text += ev.arguments;
        return this.#ev('response.function_call_arguments.delta', { item_id: o.item.id, output_index: o.index, delta: ev.arguments });
      }
      case 'end': {
        const out = this.#close();
        const end = ending(ev.stopReason);
        const response = { ...envelope(this.#id, this.#model, this.#createdAt), ...end, output: this.#output, usage: usageOf(ev.usage ?? { inputTokens: 0, outputTokens: 0 }) };
        this.#onOutput?.(this.#output);
        return out + this.#ev(end.status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
      }
      case 'thinking': {
        let out = '';
        let o = this.#open;
        if (o?.kind !== 'reasoning') ({ out, open: o } = this.#add('reasoning', { id: `rs_${this.#id}_${this.#output.length}`, type: 'reasoning', summary: [] }));
        o.text += ev.text;
        return out + this.#ev('response.reasoning_summary_text.delta', { item_id: o.item.id, output_index: o.index, summary_index: 0, delta: ev.text });
      }
      case 'thinking_signature': {
        // The signature ends its thinking block: the item is complete.
        let out = '';
        let o = this.#open;
        if (o?.kind !== 'reasoning') ({ out, open: o } = this.#add('reasoning', { id: `rs_${this.#id}_${this.#output.length}`, type: 'reasoning', summary: [] }));
        o.signature = ev.signature;
        return out + this.#close();
      }
      case 'redacted_thinking': {
        let out = this.#close();
        const item = reasoningItem(`rs_${this.#id}_${this.#output.length}`, { type: 'redacted_thinking', data: ev.data });
        const index = this.#output.length;
        this.#output.push(item);
        out += this.#ev('response.output_item.added', { output_index: index, item: { ...item, encrypted_content: null } });
        return out + this.#ev('response.output_item.done', { output_index: index, item });
      }
      default:
        return '';
    }
  }

  /**
   * The `error` event ending a stream that failed after its first byte. It carries the fields flat (as the API's
   * `error` event) and under `error`, which makes the `openai` SDK throw rather than end the stream as if complete.
   */
  error(message: string, code: string): string {
    return this.#ev('error', { code, message, param: null, error: { type: 'server_error', code, message, param: null } });
  }
}
