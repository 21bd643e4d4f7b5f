/**
 * The one request/response/stream model every dialect is translated to and
 * every provider speaks. Both wire dialects (OpenAI Chat Completions,
 * Anthropic Messages) map onto it without loss for what the proxy carries:
 * system prompt, turns, text, tool calls, tool results, stop reasons, usage.
 */

export type Dialect = 'openai' | 'anthropic';

/** Anthropic's `cache_control` of a block, kept so prompt caching survives an Anthropic → Anthropic trip. */
export type CacheMark = Record<string, unknown>;

export interface TextPart { type: 'text'; text: string; cache?: CacheMark }
/** A tool call made by the assistant. `arguments` is the JSON text of the input object. */
export interface ToolCallPart { type: 'tool_call'; id: string; name: string; arguments: string; cache?: CacheMark }
/** The caller's answer to a tool call. */
export interface ToolResultPart { type: 'tool_result'; toolCallId: string; content: string; isError?: boolean; cache?: CacheMark }
/** An image by URL or data URL, passed through. */
export interface ImagePart { type: 'image'; url: string; cache?: CacheMark }

export type Part = TextPart | ToolCallPart | ToolResultPart | ImagePart;

export interface Message {
  role: 'user' | 'assistant';
  content: Part[];
}

export interface Tool {
  name: string;
  description?: string;
  /** JSON Schema of the input object. */
  parameters: Record<string, unknown>;
  cache?: CacheMark;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export interface Request {
  /** The model as the provider knows it (after routing). */
  model: string;
  system?: string;
  messages: Message[];
  tools?: Tool[];
  toolChoice?: ToolChoice;
  /** Output token limit; providers that require one use their default when absent. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  parallelToolCalls?: boolean;
  /** End-user id, passed on where the provider supports it. */
  user?: string;
  /**
   * Parameters of one dialect that the canonical model does not carry
   * (`response_format`, `seed`, `frequency_penalty`…, or `top_k`, `thinking`…),
   * passed through untouched when a provider of that same dialect serves the
   * request, dropped otherwise.
   */
  extra?: { openai?: Record<string, unknown>; anthropic?: Record<string, unknown> };
  /** The caller's `anthropic-beta` header, sent on to an Anthropic provider. */
  anthropicBeta?: string;
}

export type StopReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface Usage { inputTokens: number; outputTokens: number }

export interface Response {
  id: string;
  model: string;
  /** Text and tool calls, in order. */
  content: (TextPart | ToolCallPart)[];
  stopReason: StopReason;
  usage: Usage;
  /** The provider's request id and rate-limit headers (passthrough-headers.ts `clientHeaders`), for the caller. */
  headers?: Record<string, string>;
}

/**
 * Streaming events. A well-formed stream is `start`, any number of `text` /
 * `tool_start` / `tool_delta`, then exactly one `end`. Tool indexes count tool
 * calls from 0 in the order they start.
 */
export type StreamEvent =
  /** `headers`: the provider's request id and rate-limit headers (passthrough-headers.ts `clientHeaders`), for the caller. */
  | { type: 'start'; id: string; model: string; inputTokens?: number; headers?: Record<string, string> }
  | { type: 'text'; text: string }
  | { type: 'tool_start'; index: number; id: string; name: string }
  | { type: 'tool_delta'; index: number; arguments: string }
  | { type: 'end'; stopReason: StopReason; usage?: Usage };

/** Collects a stream of events into one response (used by tests and by degraded answers). */
export function collect(events: Iterable<StreamEvent>): Response {
  const out: Response = { id: '', model: '', content: [], stopReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } };
  const tools = new Map<number, ToolCallPart>();
  for (const ev of events) {
    if (ev.type === 'start') { out.id = ev.id; out.model = ev.model; out.usage.inputTokens = ev.inputTokens ?? 0; }
    else if (ev.type === 'text') {
      const last = out.content[out.content.length - 1];
      if (last && last.type === 'text') last.text += ev.text; else out.content.push({ type: 'text', text: ev.text });
    } else if (ev.type === 'tool_start') {
      const part: ToolCallPart = { type: 'tool_call', id: ev.id, name: ev.name, arguments: '' };
      tools.set(ev.index, part);
      out.content.push(part);
    } else if (ev.type === 'tool_delta') {
      const part = tools.get(ev.index);
      if (part) part.arguments += ev.arguments;
    } else {
      out.stopReason = ev.stopReason;
      if (ev.usage) out.usage = { ...ev.usage, inputTokens: ev.usage.inputTokens || out.usage.inputTokens };
    }
  }
  return out;
}

/** The text of a message's text parts, joined. */
export function textOf(parts: Part[]): string {
  let s = '';
  for (const p of parts) if (p.type === 'text') s += p.text;
  return s;
}
