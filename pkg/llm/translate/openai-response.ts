import type { Response, TextPart, ToolCallPart } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { isObj, type Obj } from './check.ts';
import { fromOpenAIFinish, toOpenAIFinish } from './reasons.ts';

/** A canonical response as an OpenAI `chat.completion` object. */
export function toOpenAIResponse(res: Response, model: string): Obj {
  let text = '';
  const calls: Obj[] = [];
  for (const p of res.content) {
    if (p.type === 'text') text += p.text;
    else calls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } });
  }
  const message: Obj = { role: 'assistant', content: calls.length && !text ? null : text, refusal: null };
  if (calls.length) message.tool_calls = calls;
  return {
    id: res.id.startsWith('chatcmpl') ? res.id : `chatcmpl-${res.id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toOpenAIFinish(res.stopReason) }],
    usage: { prompt_tokens: res.usage.inputTokens, completion_tokens: res.usage.outputTokens, total_tokens: res.usage.inputTokens + res.usage.outputTokens },
  };
}

/** An OpenAI `chat.completion` object as a canonical response. */
export function fromOpenAIResponse(body: unknown, provider: string): Response {
  if (!isObj(body) || !Array.isArray(body.choices) || !isObj(body.choices[0]) || !isObj(body.choices[0].message)) {
    throw new LlmError('malformed', 'provider answered with an unexpected body', { provider });
  }
  const choice = body.choices[0] as Obj;
  const msg = choice.message as Obj;
  const content: (TextPart | ToolCallPart)[] = [];
  if (typeof msg.content === 'string' && msg.content) content.push({ type: 'text', text: msg.content });
  if (Array.isArray(msg.tool_calls)) {
    for (const tc of msg.tool_calls as Obj[]) {
      const fn = (tc.function ?? {}) as Obj;
      content.push({ type: 'tool_call', id: String(tc.id ?? ''), name: String(fn.name ?? ''), arguments: String(fn.arguments ?? '') });
    }
  }
  const usage = isObj(body.usage) ? body.usage : {};
  return {
    id: String(body.id ?? ''),
    model: String(body.model ?? ''),
    content,
    stopReason: fromOpenAIFinish(choice.finish_reason),
    usage: { inputTokens: Number(usage.prompt_tokens ?? 0), outputTokens: Number(usage.completion_tokens ?? 0) },
  };
}
