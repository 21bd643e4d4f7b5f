import { fromAnthropicCounts, toAnthropicCounts, type AnswerPart, type RedactedThinkingPart, type Response, type ThinkingPart } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { isObj, type Obj } from './check.ts';
import { fromAnthropicStop, toAnthropicStop } from './reasons.ts';

/** A canonical response as an Anthropic `message` object. */
export function toAnthropicResponse(res: Response, model: string): Obj {
  const thinking = (res.thinking ?? []).map((p) => (p.type === 'thinking' ? { type: 'thinking', thinking: p.thinking, signature: p.signature } : { type: 'redacted_thinking', data: p.data }));
  const content = res.content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'tool_use', id: p.id, name: p.name, input: lenientArgs(p.arguments) }));
  const usage: Obj = { ...toAnthropicCounts(res.usage), output_tokens: res.usage.outputTokens };
  if (res.usage.reasoningTokens !== undefined) usage.output_tokens_details = { thinking_tokens: res.usage.reasoningTokens };
  return {
    id: res.id.startsWith('msg_') ? res.id : `msg_${res.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [...thinking, ...content],
    stop_reason: toAnthropicStop(res.stopReason),
    stop_sequence: null,
    usage,
  };
}

/** An Anthropic `message` object as a canonical response. */
export function fromAnthropicResponse(body: unknown, provider: string): Response {
  if (!isObj(body) || !Array.isArray(body.content)) throw new LlmError('malformed', 'provider answered with an unexpected body', { provider });
  const content: AnswerPart[] = [];
  const thinking: (ThinkingPart | RedactedThinkingPart)[] = [];
  for (const b of body.content as Obj[]) {
    if (b.type === 'text' && typeof b.text === 'string') {
      const last = content[content.length - 1];
      if (last?.type === 'text') last.text += b.text; else content.push({ type: 'text', text: b.text });
    } else if (b.type === 'tool_use') {
      content.push({ type: 'tool_call', id: String(b.id ?? ''), name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) });
    } else if (b.type === 'thinking') {
      thinking.push({ type: 'thinking', thinking: String(b.thinking ?? ''), signature: String(b.signature ?? '') });
    } else if (b.type === 'redacted_thinking') {
      thinking.push({ type: 'redacted_thinking', data: String(b.data ?? '') });
    }
  }
  const out: Response = {
    id: String(body.id ?? ''),
    model: String(body.model ?? ''),
    content,
    stopReason: fromAnthropicStop(body.stop_reason),
    usage: anthropicUsage(body.usage),
  };
  if (thinking.length) out.thinking = thinking;
  return out;
}

/** Anthropic usage → canonical: thinking tokens, when reported, as the reasoning part of the output. */
function anthropicUsage(u: unknown): Response['usage'] {
  const usage = isObj(u) ? u : {};
  const out: Response['usage'] = { ...fromAnthropicCounts(usage), outputTokens: Number(usage.output_tokens ?? 0) };
  const details = isObj(usage.output_tokens_details) ? usage.output_tokens_details : undefined;
  if (details && typeof details.thinking_tokens === 'number') out.reasoningTokens = details.thinking_tokens;
  return out;
}

/** Tool arguments a model produced, as an object; text that is not a JSON object is kept under `_raw`. */
function lenientArgs(text: string): Obj {
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isObj(v) ? v : { _raw: text };
  } catch {
    return { _raw: text };
  }
}
