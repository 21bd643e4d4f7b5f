import type { Response, TextPart, ToolCallPart } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { isObj, type Obj } from './check.ts';
import { fromAnthropicStop, toAnthropicStop } from './reasons.ts';

/** A canonical response as an Anthropic `message` object. */
export function toAnthropicResponse(res: Response, model: string): Obj {
  const content = res.content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'tool_use', id: p.id, name: p.name, input: lenientArgs(p.arguments) }));
  return {
    id: res.id.startsWith('msg_') ? res.id : `msg_${res.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: toAnthropicStop(res.stopReason),
    stop_sequence: null,
    usage: { input_tokens: res.usage.inputTokens, output_tokens: res.usage.outputTokens },
  };
}

/** An Anthropic `message` object as a canonical response. */
export function fromAnthropicResponse(body: unknown, provider: string): Response {
  if (!isObj(body) || !Array.isArray(body.content)) throw new LlmError('malformed', 'provider answered with an unexpected body', { provider });
  const content: (TextPart | ToolCallPart)[] = [];
  for (const b of body.content as Obj[]) {
    if (b.type === 'text' && typeof b.text === 'string') {
      const last = content[content.length - 1];
      if (last?.type === 'text') last.text += b.text; else content.push({ type: 'text', text: b.text });
    } else if (b.type === 'tool_use') {
      content.push({ type: 'tool_call', id: String(b.id ?? ''), name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) });
    }
  }
  const usage = isObj(body.usage) ? body.usage : {};
  return {
    id: String(body.id ?? ''),
    model: String(body.model ?? ''),
    content,
    stopReason: fromAnthropicStop(body.stop_reason),
    usage: { inputTokens: Number(usage.input_tokens ?? 0), outputTokens: Number(usage.output_tokens ?? 0) },
  };
}

/** Tool arguments a model produced, as an object; text that is not a JSON object is kept under `_raw`. */
export function lenientArgs(text: string): Obj {
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isObj(v) ? v : { _raw: text };
  } catch {
    return { _raw: text };
  }
}
