import OpenAI from 'openai';
import type { Request, Response, StreamEvent } from '../canonical.ts';
import type { LLMProvider } from '../provider.ts';
import { toOpenAIRequest } from '../translate/openai-request.ts';
import { fromOpenAIResponse } from '../translate/openai-response.ts';
import { OpenAIStreamDecoder } from '../translate/stream-openai-decoder.ts';
import { fromSdkError } from './sdk-errors.ts';
import { clientHeaders } from '../passthrough-headers.ts';
import { RequestTemplate, sdkShortcuts, type BuildRequestOptions, type BuiltRequest } from './request-template.ts';

type BuildRequest = OpenAI['buildRequest'];

/** The official client, with its per-client headers and URLs computed once (request-template.ts). */
export class OpenAIClient extends OpenAI {
  readonly #template = new RequestTemplate({
    build: (o, retryCount) => super.buildRequest(o as Parameters<BuildRequest>[0], { retryCount }) as Promise<BuiltRequest>,
    url: (path, defaultBaseURL) => this.buildURL(path, undefined, defaultBaseURL),
    defaultTimeout: () => this.timeout,
    // A per-request idempotency key cannot be kept; OpenAI's client sets none.
    reusable: () => this.idempotencyHeader === undefined,
  });

  override buildRequest(options: Parameters<BuildRequest>[0], extra: Parameters<BuildRequest>[1] = {}): ReturnType<BuildRequest> {
    return this.#template.build(options as BuildRequestOptions, extra.retryCount ?? 0) as ReturnType<BuildRequest>;
  }
}
// The SDK names itself in its User-Agent after the class: keep saying `OpenAI/JS <version>`.
Object.defineProperty(OpenAIClient, 'name', { value: 'OpenAI' });

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Default the SDK's (`https://api.openai.com/v1`). */
  baseURL?: string;
  /** The pooled fetch (pooled-fetch.ts). Default: the SDK's global fetch. */
  fetch?: typeof fetch;
  /** SDK-level timeout in ms, a backstop behind the proxy's own deadlines. Default 600000. */
  timeoutMs?: number;
  /** Build requests with OpenAIClient's memoized template rather than the stock SDK's. Default `LLM_SDK_SHORTCUTS` (on). */
  requestTemplate?: boolean;
}

/** OpenAI Chat Completions through the official SDK, with its retries off (`maxRetries: 0`). */
export class OpenAIProvider implements LLMProvider {
  readonly name = 'openai' as const;
  readonly #client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    const Client = (options.requestTemplate ?? sdkShortcuts().template) ? OpenAIClient : OpenAI;
    this.#client = new Client({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: 0,
      // The SDK's own logger writes to the console, around the masked pino logs: keep it silent.
      logLevel: 'off',
      timeout: options.timeoutMs ?? 600_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async complete(req: Request, signal: AbortSignal): Promise<Response> {
    try {
      const body = toOpenAIRequest(req, false) as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
      // The raw answer (the SDK has already turned a non-2xx into its APIError): its parse step adds only a
      // debug-log record, built even with logging off, and a _request_id the proxy does not use.
      const res = await this.#client.chat.completions.create(body, { signal }).asResponse();
      const out = fromOpenAIResponse(await res.json(), this.name);
      out.headers = clientHeaders(Object.fromEntries(res.headers.entries()));
      return out;
    } catch (err) {
      throw fromSdkError(err, this.name, signal);
    }
  }

  async *stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const decoder = new OpenAIStreamDecoder(this.name);
    const out: StreamEvent[] = [];
    try {
      const body = toOpenAIRequest(req, true) as unknown as OpenAI.ChatCompletionCreateParamsStreaming;
      const { data: stream, response } = await this.#client.chat.completions.create(body, { signal }).withResponse();
      let headers: Record<string, string> | undefined = clientHeaders(Object.fromEntries(response.headers.entries()));
      for await (const chunk of stream) {
        decoder.push(chunk, out);
        if (headers && out[0]?.type === 'start') { out[0].headers = headers; headers = undefined; }
        if (out.length) { yield* out; out.length = 0; }
      }
      decoder.finish(out);
    } catch (err) {
      throw fromSdkError(err, this.name, signal);
    }
    yield* out;
  }
}
