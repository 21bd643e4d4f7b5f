import {
  AnthropicStreamEncoder, OpenAIStreamEncoder, parseAnthropicRequest, parseOpenAIRequest, toAnthropicResponse, toOpenAIResponse,
  type Dialect, type Request, type Response, type StreamEvent,
} from '../llm/index.ts';

/** What the proxy does differently per caller dialect. */
export interface DialectAdapter {
  readonly name: Dialect;
  parse(body: unknown): { request: Request; stream: boolean; includeUsage: boolean };
  response(res: Response, model: string): unknown;
  encoder(model: string, includeUsage: boolean): StreamEncoder;
  /** The dialect's error body. */
  errorBody(status: number, code: string, message: string, param?: string): unknown;
}

export interface StreamEncoder {
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
  errorBody: (status, code, message, param) => ({ error: { message, type: openaiType(status, code), param: param ?? null, code } }),
};

export const anthropicDialect: DialectAdapter = {
  name: 'anthropic',
  parse: (body) => ({ ...parseAnthropicRequest(body), includeUsage: true }),
  response: toAnthropicResponse,
  encoder: (model) => {
    const enc = new AnthropicStreamEncoder(model);
    return { encode: (ev) => enc.encode(ev), error: (message, code) => enc.error(message, code === 'overloaded' ? 'overloaded_error' : 'api_error') };
  },
  errorBody: (status, _code, message) => ({ type: 'error', error: { type: anthropicType(status), message } }),
};
