import {
  AnthropicStreamEncoder, LlmError, OpenAIStreamEncoder, parseAnthropicRequest, parseOpenAIRequest, toAnthropicResponse, toOpenAIResponse,
  type Dialect, type Request, type Response, type StreamEvent,
} from '#pkg/llm/index.ts';

/** What the proxy does differently per caller dialect. */
export interface DialectAdapter {
  readonly name: Dialect;
  parse(body: unknown): { request: Request; stream: boolean; includeUsage: boolean };
  response(res: Response, model: string): unknown;
  encoder(model: string, includeUsage: boolean): StreamEncoder;
  /** The dialect's error body; `type` is the provider's own error type when it had one (OpenAI dialect only: Anthropic's types follow the status). */
  errorBody(status: number, code: string, message: string, param?: string, type?: string): unknown;
  /** The upstream path of this endpoint for a provider of this dialect (after its base URL, as its SDK writes it). */
  readonly upstreamPath: string;
}

interface StreamEncoder {
  encode(ev: StreamEvent): string;
  /** The dialect's in-stream error event, ending a stream that failed after its first byte. */
  error(message: string, code: string): string;
}

function openaiType(status: number, code: string): string {
  if (code === 'spend_limit') return 'insufficient_quota';
  if (status === 429) return 'rate_limit_error';
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status < 500) return 'invalid_request_error';
  return status === 504 ? 'timeout_error' : 'server_error';
}

function anthropicType(status: number): string {
  switch (status) {
    case 400: case 405: case 422: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 503: case 529: return 'overloaded_error';
    case 504: return 'timeout_error';
    default: return 'api_error';
  }
}

export const openaiDialect: DialectAdapter = {
  name: 'openai',
  parse: (body) => parseOpenAIRequest(body),
  response: toOpenAIResponse,
  encoder: (model, includeUsage) => new OpenAIStreamEncoder(model, includeUsage),
  errorBody: (status, code, message, param, type) => ({ error: { message, type: type ?? openaiType(status, code), param: param ?? null, code } }),
  upstreamPath: '/chat/completions',
};

export const anthropicDialect: DialectAdapter = {
  name: 'anthropic',
  parse: (body) => ({ ...parseAnthropicRequest(body), includeUsage: true }),
  response: toAnthropicResponse,
  encoder: (model) => {
    const enc = new AnthropicStreamEncoder(model);
    return { encode: (ev) => enc.encode(ev), error: (message, code) => enc.error(message, code === 'overloaded' ? 'overloaded_error' : 'api_error') };
  },
  // Anthropic errors have no code or param: a provider's code (e.g. context_length_exceeded) goes into the message.
  errorBody: (status, code, message, param) => ({ type: 'error', error: { type: anthropicType(status), message: PROXY_CODES.has(code) ? message : `${message} (${code}${param ? `, param ${param}` : ''})` } }),
  upstreamPath: '/v1/messages',
};

// The proxy's own error codes (ErrorKind and HttpError codes): not worth repeating in an Anthropic message.
const PROXY_CODES = new Set(['invalid_request', 'client', 'auth', 'rate_limit', 'spend_limit', 'overloaded', 'server', 'conflict', 'network', 'timeout', 'deadline',
  'malformed', 'truncated', 'breaker_open', 'aborted', 'unavailable', 'invalid_json', 'payload_too_large', 'method_not_allowed', 'not_found', 'internal']);

/** What routing, resilience and metrics need from a chat body, without validating the rest (the provider does). */
export interface Peeked {
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** Whether the caller asked for usage in its stream (always, in the Anthropic dialect). */
  includeUsage: boolean;
}

export function peek(d: Dialect, body: unknown): Peeked {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LlmError('invalid_request', 'body must be a JSON object', { param: 'body' });
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') throw new LlmError('invalid_request', 'model is required and must be a non-empty string', { param: 'model' });
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') throw new LlmError('invalid_request', 'stream must be a boolean', { param: 'stream' });
  const so = b.stream_options as { include_usage?: unknown } | null | undefined;
  return { body: b, model: b.model, stream: b.stream === true, includeUsage: d === 'anthropic' || (typeof so === 'object' && so !== null && so.include_usage === true) };
}
