import Anthropic from '@anthropic-ai/sdk';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { Request, Response, StreamEvent } from '../canonical.ts';
import type { LLMProvider } from '../provider.ts';
import { fromAnthropicAnswer, structuredByTool, toAnthropicRequest } from '../translate/anthropic-request.ts';
import { StructuredStream } from '../translate/structured-output.ts';
import { fromAnthropicResponse } from '../translate/anthropic-response.ts';
import { AnthropicStreamDecoder } from '../translate/stream-anthropic-decoder.ts';
import { fromSdkError } from './sdk-errors.ts';
import { clientHeaders } from '../passthrough-headers.ts';
import { RequestTemplate, sdkShortcuts, type BuildRequestOptions, type BuiltRequest } from './request-template.ts';

type BuildRequest = Anthropic['buildRequest'];

/** The official client, with its per-client headers and URLs computed once (request-template.ts). */
export class AnthropicClient extends Anthropic {
  readonly #template = new RequestTemplate({
    build: (o, retryCount) => super.buildRequest(o as Parameters<BuildRequest>[0], { retryCount }) as Promise<BuiltRequest>,
    url: (path, defaultBaseURL) => this.buildURL(path, undefined, defaultBaseURL),
    defaultTimeout: () => this.timeout,
    // A credential provider (OAuth, profiles) refreshes tokens: its headers cannot be kept. An API key can.
    reusable: () => this.credentials === null,
  });

  override buildRequest(options: Parameters<BuildRequest>[0], extra: Parameters<BuildRequest>[1] = {}): ReturnType<BuildRequest> {
    return this.#template.build(options as BuildRequestOptions, extra.retryCount ?? 0) as ReturnType<BuildRequest>;
  }
}
// The SDK names itself in its User-Agent after the class: keep saying `Anthropic/JS <version>`.
Object.defineProperty(AnthropicClient, 'name', { value: 'Anthropic' });

export interface AnthropicProviderOptions {
  apiKey: string;
  /** Default the SDK's (`https://api.anthropic.com`). */
  baseURL?: string;
  fetch?: typeof fetch;
  /** `max_tokens` sent when the request has none (OpenAI callers may omit it). Default 4096. */
  defaultMaxTokens?: number;
  /** SDK-level timeout in ms, a backstop behind the proxy's own deadlines. Default 600000. */
  timeoutMs?: number;
  /** Build requests with AnthropicClient's memoized template rather than the stock SDK's. Default `LLM_SDK_SHORTCUTS` (on). */
  requestTemplate?: boolean;
}

/** Anthropic Messages through the official SDK, with its retries off (`maxRetries: 0`). */
export class AnthropicProvider implements LLMProvider {
  readonly name = 'anthropic' as const;
  readonly #client: Anthropic;
  readonly #maxTokens: number;
  readonly #timeout: number;

  constructor(options: AnthropicProviderOptions) {
    this.#timeout = options.timeoutMs ?? 600_000;
    this.#maxTokens = options.defaultMaxTokens ?? 4096;
    const Client = (options.requestTemplate ?? sdkShortcuts().template) ? AnthropicClient : Anthropic;
    this.#client = new Client({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      maxRetries: 0,
      // The SDK's own logger writes to the console, around the masked pino logs: keep it silent.
      logLevel: 'off',
      // An explicit timeout also skips the SDK's refusal of large non-streaming max_tokens.
      timeout: this.#timeout,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  // The client's generic post() rather than messages.create(): create() prints deprecation notices with a bare
  // console.warn (not through the SDK logger) into the JSON log stream; the request it sends is the same.
  #options(req: Request, signal: AbortSignal): Anthropic.RequestOptions {
    return req.anthropicBeta ? { signal, timeout: this.#timeout, headers: { 'anthropic-beta': req.anthropicBeta } } : { signal, timeout: this.#timeout };
  }

  async complete(req: Request, signal: AbortSignal): Promise<Response> {
    try {
      const body = toAnthropicRequest(req, false, this.#maxTokens);
      // The raw answer, as in openai.ts: the SDK has already turned a non-2xx into its APIError.
      const res = await this.#client.post<Anthropic.Message>('/v1/messages', { body, ...this.#options(req, signal) }).asResponse();
      const out = fromAnthropicAnswer(req, fromAnthropicResponse(await res.json(), this.name));
      out.headers = clientHeaders(Object.fromEntries(res.headers.entries()));
      return out;
    } catch (err) {
      throw fromSdkError(err, this.name, signal);
    }
  }

  async *stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const decoder = new AnthropicStreamDecoder(this.name);
    const out: StreamEvent[] = [];
    // Structured output served by the forced tool: its call streams as the answer's text.
    const structured = structuredByTool(req) ? new StructuredStream() : undefined;
    const mapped = function* (events: StreamEvent[]): Generator<StreamEvent> {
      for (const ev of events) {
        const m = structured ? structured.map(ev) : ev;
        if (m) yield m;
      }
    };
    try {
      const body = toAnthropicRequest(req, true, this.#maxTokens);
      const { data: stream, response } = await this.#client.post<Stream<Anthropic.RawMessageStreamEvent>>('/v1/messages', { body, ...this.#options(req, signal), stream: true }).withResponse();
      let headers: Record<string, string> | undefined = clientHeaders(Object.fromEntries(response.headers.entries()));
      for await (const ev of stream) {
        decoder.push(ev, out);
        if (headers && out[0]?.type === 'start') { out[0].headers = headers; headers = undefined; }
        if (out.length) { yield* mapped(out); out.length = 0; }
      }
      decoder.finish(out);
    } catch (err) {
      throw fromSdkError(err, this.name, signal);
    }
    yield* mapped(out);
  }
}
