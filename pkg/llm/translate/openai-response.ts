import type { AnswerPart, Response, Usage } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import { isObj, type Obj } from './check.ts';
import { fromOpenAIFinish, toOpenAIFinish } from './reasons.ts';

/**
 * A canonical response as an OpenAI `chat.completion` object. A Claude model's thinking goes on the message as
 * `reasoning_content` (the text, as reasoning-model APIs in this dialect name it) and `thinking_blocks` (the blocks
 * with their signatures: an app that sends the message back in its history lets Claude continue a tool round).
 */
export function toOpenAIResponse(res: Response, model: string): Obj {
  let text = '';
  const calls: Obj[] = [];
  for (const p of res.content) {
    if (p.type === 'text') text += p.text;
    else calls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } });
  }
  const message: Obj = { role: 'assistant', content: calls.length && !text ? null : text, refusal: null };
  if (calls.length) message.tool_calls = calls;
  if (res.thinking?.length) {
    message.reasoning_content = res.thinking.map((p) => (p.type === 'thinking' ? p.thinking : '')).join('');
    message.thinking_blocks = res.thinking.map((p) => ({ ...p }));
  }
  return {
    id: res.id.startsWith('chatcmpl') ? res.id : `chatcmpl-${res.id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toOpenAIFinish(res.stopReason) }],
    usage: openaiUsage(res.usage),
  };
}

/** Canonical usage → OpenAI's, with the reasoning tokens when the provider reported them. */
export function openaiUsage(u: Usage): Obj {
  const out: Obj = { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens };
  // OpenAI reports cache reads only (its cache writes cost nothing extra): Anthropic's cache writes stay inside prompt_tokens.
  if (u.cacheReadTokens !== undefined) out.prompt_tokens_details = { cached_tokens: u.cacheReadTokens };
  if (u.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return out;
}

/** OpenAI usage → canonical. */
export function fromOpenAIUsage(u: Obj): Usage {
  const out: Usage = { inputTokens: Number(u.prompt_tokens ?? 0), outputTokens: Number(u.completion_tokens ?? 0) };
  const details = isObj(u.completion_tokens_details) ? u.completion_tokens_details : undefined;
  if (details && typeof details.reasoning_tokens === 'number') out.reasoningTokens = details.reasoning_tokens;
  const prompt = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  if (prompt && typeof prompt.cached_tokens === 'number') out.cacheReadTokens = prompt.cached_tokens;
  return out;
}

/** An OpenAI `chat.completion` object as a canonical response. */
export function fromOpenAIResponse(body: unknown, provider: string): Response {
  if (!isObj(body) || !Array.isArray(body.choices) || !isObj(body.choices[0]) || !isObj(body.choices[0].message)) {
    throw new LlmError('malformed', 'provider answered with an unexpected body', { provider });
  }
  const choice = body.choices[0] as Obj;
  const msg = choice.message as Obj;
  const content: AnswerPart[] = [];
  if (typeof msg.content === 'string' && msg.content) content.push({ type: 'text', text: msg.content });
  if (Array.isArray(msg.tool_calls)) {
    for (const tc of msg.tool_calls as Obj[]) {
      const fn = (tc.function ?? {}) as Obj;
      content.push({ type: 'tool_call', id: String(tc.id ?? ''), name: String(fn.name ?? ''), arguments: String(fn.arguments ?? '') });
    }
  }
  // A refusal (structured output the model declined) is the answer's text, flagged by its stop reason.
  const refused = typeof msg.refusal === 'string' && msg.refusal !== '';
  if (refused && content.length === 0) content.push({ type: 'text', text: msg.refusal as string });
  return {
    id: String(body.id ?? ''),
    model: String(body.model ?? ''),
    content,
    stopReason: refused ? 'content_filter' : fromOpenAIFinish(choice.finish_reason),
    usage: fromOpenAIUsage(isObj(body.usage) ? body.usage : {}),
  };
}
