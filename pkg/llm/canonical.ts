/**
 * The one request/response/stream model every dialect is translated to and
 * every provider speaks. Both wire dialects (OpenAI Chat Completions,
 * Anthropic Messages) map onto it without loss for what the proxy carries:
 * system prompt, turns, text, images, documents, tool calls and results,
 * structured output, reasoning and thinking, stop reasons, usage. What one
 * dialect has and the model does not stays raw (`extra`, `ForeignPart`,
 * `unmapped`): the same dialect gets it back, the other refuses it.
 */

export type Dialect = 'openai' | 'anthropic';

/** Anthropic's `cache_control` of a block, kept so prompt caching survives an Anthropic → Anthropic trip. */
export type CacheMark = Record<string, unknown>;

export interface TextPart { type: 'text'; text: string; cache?: CacheMark }
/** A tool call made by the assistant. `arguments` is the JSON text of the input object. */
export interface ToolCallPart { type: 'tool_call'; id: string; name: string; arguments: string; cache?: CacheMark }
/** The caller's answer to a tool call. */
export interface ToolResultPart { type: 'tool_result'; toolCallId: string; content: string; isError?: boolean; cache?: CacheMark }
/** An image by URL or data URL, passed through. `detail` is OpenAI's resolution hint, which Anthropic has no equivalent for. */
export interface ImagePart { type: 'image'; url: string; detail?: string; cache?: CacheMark }
/** A base64 document (OpenAI `file` part with `file_data`, Anthropic `document` block with a base64 source). */
export interface DocumentPart { type: 'document'; mediaType: string; data: string; filename?: string; cache?: CacheMark }
/** A thinking block of an Anthropic answer; the signature lets it go back to Anthropic in a later turn. */
export interface ThinkingPart { type: 'thinking'; thinking: string; signature: string }
export interface RedactedThinkingPart { type: 'redacted_thinking'; data: string }
/**
 * A block only its own dialect can carry (an Anthropic server-tool block, an OpenAI `file_id` reference…), kept as
 * it came: a provider of that dialect gets it back unchanged, one of the other refuses the request naming `param`.
 */
export interface ForeignPart { type: 'foreign'; dialect: Dialect; block: Record<string, unknown>; param: string; what: string }

export type Part = TextPart | ToolCallPart | ToolResultPart | ImagePart | DocumentPart | ThinkingPart | RedactedThinkingPart | ForeignPart;

export interface Message {
  role: 'user' | 'assistant';
  content: Part[];
}

export interface Tool {
  name: string;
  description?: string;
  /** JSON Schema of the input object. */
  parameters: Record<string, unknown>;
  /** Strict schema adherence (OpenAI `function.strict`, Anthropic `strict`). */
  strict?: boolean;
  cache?: CacheMark;
}

/** Structured output: OpenAI `response_format`, Anthropic `output_config.format` (or a forced tool). */
export type ResponseFormat =
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean }
  | { type: 'json_object' };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

/** How much the model reasons: OpenAI `reasoning_effort`, Anthropic `thinking.budget_tokens` (translate/reasoning.ts maps them). */
export interface Reasoning { effort: ReasoningEffort; budgetTokens?: number }

/** A field of the caller's dialect that the canonical model does not carry: a provider of the other dialect refuses the request naming it. */
export interface Unmapped { dialect: Dialect; param: string; what: string }

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
  responseFormat?: ResponseFormat;
  reasoning?: Reasoning;
  /** Fields of the caller's dialect with no canonical form (kept raw in `extra` for the same dialect). */
  unmapped?: Unmapped[];
  /**
   * Parameters of one dialect that the canonical model does not carry
   * (`response_format`, `seed`, `frequency_penalty`…, or `top_k`, `thinking`…),
   * passed through untouched when a provider of that same dialect serves the
   * request. A provider of the other dialect translates each through the
   * canonical fields above or refuses the request (translate/cross-dialect.ts).
   */
  extra?: { openai?: Record<string, unknown>; anthropic?: Record<string, unknown> };
  /** The caller's `anthropic-beta` header, sent on to an Anthropic provider. */
  anthropicBeta?: string;
}

export type AnswerPart = TextPart | ToolCallPart;

export type StopReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/**
 * Token counts. `inputTokens` is every prompt token, cache reads and writes included (OpenAI's `prompt_tokens`;
 * Anthropic's `input_tokens` + `cache_read_input_tokens` + `cache_creation_input_tokens`). `cacheReadTokens` and
 * `cacheWriteTokens` are the parts of it read from and written to the provider's prompt cache, `reasoningTokens` the
 * part of `outputTokens` spent reasoning (OpenAI `reasoning_tokens`, Anthropic `thinking_tokens`), each when reported.
 */
export interface Usage { inputTokens: number; outputTokens: number; reasoningTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number }

/** Anthropic's usage fields → canonical (input_tokens excludes the cache tokens there). */
export function fromAnthropicCounts(u: Record<string, unknown>): Omit<Usage, 'outputTokens'> {
  const read = typeof u.cache_read_input_tokens === 'number' ? u.cache_read_input_tokens : undefined;
  const write = typeof u.cache_creation_input_tokens === 'number' ? u.cache_creation_input_tokens : undefined;
  const out: Omit<Usage, 'outputTokens'> = { inputTokens: Number(u.input_tokens ?? 0) + (read ?? 0) + (write ?? 0) };
  if (read !== undefined) out.cacheReadTokens = read;
  if (write !== undefined) out.cacheWriteTokens = write;
  return out;
}

/** Canonical input counts → Anthropic's usage fields. */
export function toAnthropicCounts(u: Omit<Usage, 'outputTokens'>): Record<string, number> {
  const out: Record<string, number> = { input_tokens: Math.max(0, u.inputTokens - (u.cacheReadTokens ?? 0) - (u.cacheWriteTokens ?? 0)) };
  if (u.cacheReadTokens !== undefined) out.cache_read_input_tokens = u.cacheReadTokens;
  if (u.cacheWriteTokens !== undefined) out.cache_creation_input_tokens = u.cacheWriteTokens;
  return out;
}

export interface Response {
  id: string;
  model: string;
  /** Text and tool calls, in order. */
  content: AnswerPart[];
  /** Thinking blocks (Anthropic), in order; they come before the content. */
  thinking?: (ThinkingPart | RedactedThinkingPart)[];
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
  | { type: 'start'; id: string; model: string; inputTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number; headers?: Record<string, string> }
  | { type: 'text'; text: string }
  /** Thinking text; its block ends with `thinking_signature`. */
  | { type: 'thinking'; text: string }
  | { type: 'thinking_signature'; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_start'; index: number; id: string; name: string }
  | { type: 'tool_delta'; index: number; arguments: string }
  | { type: 'end'; stopReason: StopReason; usage?: Usage };

/** Collects a stream of events into one response (used by tests and by degraded answers). */
export function collect(events: Iterable<StreamEvent>): Response {
  const out: Response = { id: '', model: '', content: [], stopReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } };
  const tools = new Map<number, ToolCallPart>();
  for (const ev of events) {
    if (ev.type === 'start') {
      out.id = ev.id; out.model = ev.model; out.usage.inputTokens = ev.inputTokens ?? 0;
      if (ev.cacheReadTokens !== undefined) out.usage.cacheReadTokens = ev.cacheReadTokens;
      if (ev.cacheWriteTokens !== undefined) out.usage.cacheWriteTokens = ev.cacheWriteTokens;
    }
    else if (ev.type === 'text') {
      const last = out.content[out.content.length - 1];
      if (last && last.type === 'text') last.text += ev.text; else out.content.push({ type: 'text', text: ev.text });
    } else if (ev.type === 'thinking') {
      const thinking = (out.thinking ??= []);
      const last = thinking[thinking.length - 1];
      if (last && last.type === 'thinking' && !last.signature) last.thinking += ev.text; else thinking.push({ type: 'thinking', thinking: ev.text, signature: '' });
    } else if (ev.type === 'thinking_signature') {
      const thinking = (out.thinking ??= []);
      const last = thinking[thinking.length - 1];
      if (last && last.type === 'thinking' && !last.signature) last.signature = ev.signature; else thinking.push({ type: 'thinking', thinking: '', signature: ev.signature });
    } else if (ev.type === 'redacted_thinking') {
      (out.thinking ??= []).push({ type: 'redacted_thinking', data: ev.data });
    } else if (ev.type === 'tool_start') {
      const part: ToolCallPart = { type: 'tool_call', id: ev.id, name: ev.name, arguments: '' };
      tools.set(ev.index, part);
      out.content.push(part);
    } else if (ev.type === 'tool_delta') {
      const part = tools.get(ev.index);
      if (part) part.arguments += ev.arguments;
    } else {
      out.stopReason = ev.stopReason;
      if (ev.usage) out.usage = { ...out.usage, ...ev.usage, inputTokens: ev.usage.inputTokens || out.usage.inputTokens };
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
