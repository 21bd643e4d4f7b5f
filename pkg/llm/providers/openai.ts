import OpenAI from 'openai';
import type { Request, Response, StreamEvent } from '../canonical.ts';
import { completeChat, streamChat } from './openai-chat.ts';
import type { LLMProvider } from '../provider.ts';
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

  complete(req: Request, signal: AbortSignal): Promise<Response> {
    return completeChat(this.#client, this.name, req, signal);
  }

  stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return streamChat(this.#client, this.name, req, signal);
  }
}
