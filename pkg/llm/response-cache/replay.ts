/**
 * A kept answer back into a stream, and a relayed stream into a kept answer:
 * the cache stores the canonical Response and the dialect's stream encoder
 * (pkg/llm/translate) replays it, so a hit is a well-formed stream in the
 * caller's dialect whichever way the answer first came.
 */
import { collect, type Dialect, type Response, type StreamEvent, type Usage } from '../canonical.ts';
import { AnthropicStreamDecoder } from '../translate/stream-anthropic-decoder.ts';
import { OpenAIStreamDecoder } from '../translate/stream-openai-decoder.ts';

/** The events of a stream that says exactly `r`: start, thinking, text and tool calls in order, end with the usage. */
export function responseEvents(r: Response): StreamEvent[] {
  const { inputTokens, cacheReadTokens, cacheWriteTokens } = r.usage;
  const out: StreamEvent[] = [{
    type: 'start', id: r.id, model: r.model, inputTokens,
    ...(cacheReadTokens !== undefined ? { cacheReadTokens } : {}), ...(cacheWriteTokens !== undefined ? { cacheWriteTokens } : {}),
  }];
  for (const t of r.thinking ?? []) {
    if (t.type === 'redacted_thinking') { out.push({ type: 'redacted_thinking', data: t.data }); continue; }
    if (t.thinking) out.push({ type: 'thinking', text: t.thinking });
    if (t.signature) out.push({ type: 'thinking_signature', signature: t.signature });
  }
  let tool = 0;
  for (const p of r.content) {
    if (p.type === 'text') { if (p.text) out.push({ type: 'text', text: p.text }); continue; }
    const index = tool++;
    out.push({ type: 'tool_start', index, id: p.id, name: p.name });
    if (p.arguments) out.push({ type: 'tool_delta', index, arguments: p.arguments });
  }
  out.push({ type: 'end', stopReason: r.stopReason, usage: r.usage });
  return out;
}

/**
 * The canonical answer of a complete SSE stream of `dialect` (the frames relayed to the caller); undefined when it is
 * not a complete, well-formed stream (then it is not kept). `usage`: what the stream tap read, when the relayed
 * frames left out the usage chunk the proxy asked for.
 */
export function responseFromSse(dialect: Dialect, sse: string, usage?: Usage): Response | undefined {
  const events: StreamEvent[] = [];
  const dec = dialect === 'openai' ? new OpenAIStreamDecoder('cache') : new AnthropicStreamDecoder('cache');
  // An OpenAI stream is complete only with its [DONE]; an Anthropic one with message_stop (the decoder's `end`).
  let done = dialect === 'anthropic';
  try {
    for (const frame of sse.split(/\r?\n\r?\n/)) {
      let data = '';
      for (const line of frame.split(/\r?\n/)) if (line.startsWith('data:')) data += line.slice(line.charAt(5) === ' ' ? 6 : 5);
      if (data === '[DONE]') done = true;
      if (!data || data === '[DONE]') continue;
      dec.push(JSON.parse(data), events);
    }
    if (dec instanceof OpenAIStreamDecoder) dec.finish(events);
  } catch {
    return undefined;
  }
  if (!done || events[events.length - 1]?.type !== 'end') return undefined;
  const r = collect(events);
  if (usage && (usage.inputTokens || usage.outputTokens)) r.usage = { ...r.usage, ...usage };
  return r;
}
