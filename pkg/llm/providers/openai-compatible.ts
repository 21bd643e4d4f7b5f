import OpenAI, { AzureOpenAI } from 'openai';
import type { Request, Response, StreamEvent } from '../canonical.ts';
import type { LLMProvider, ProviderName } from '../provider.ts';
import { toOpenAIRequest } from '../translate/openai-request.ts';
import { fromOpenAIResponse } from '../translate/openai-response.ts';
import { OpenAIStreamDecoder } from '../translate/stream-openai-decoder.ts';
import { fromSdkError } from './sdk-errors.ts';
import { clientHeaders } from '../passthrough-headers.ts';

export interface OpenAICompatibleOptions {
  /** The upstream's name (`LLM_UPSTREAMS`): metrics, errors, `x-llm-provider`. */
  name: ProviderName;
  /** `openai` and `openai-compatible`: the stock client at `baseURL`; `azure-openai`: the SDK's AzureOpenAI client. */
  kind: 'openai' | 'openai-compatible' | 'azure-openai';
  /** OpenAI-style: the API root including `/v1`; Azure: the resource endpoint (`https://<resource>.openai.azure.com`). */
  baseURL: string;
  /** Absent for a keyless server (vLLM, Ollama without auth): no credential is sent. */
  apiKey?: string;
  /** Azure's `api-version` query parameter. Default 2024-10-21 (spec.ts). */
  apiVersion?: string;
  /** Extra headers on every call. Default none. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** SDK-level timeout in ms, a backstop behind the proxy's own deadlines. Default 600000. */
  timeoutMs?: number;
}

/**
 * A named OpenAI-dialect upstream through the official SDK's stock client (no request template: the hot path
 * for OpenAI-dialect callers is the raw pass-through, this serves translated calls): OpenAI itself under
 * another name, any OpenAI-compatible server (vLLM, Ollama, OpenRouter), or Azure OpenAI through the SDK's
 * `AzureOpenAI` (deployment in the path, `api-version`, `api-key` header). A stream without usage (Ollama)
 * ends with no usage rather than failing.
 */
export class OpenAICompatibleProvider implements LLMProvider {
  readonly name: ProviderName;
  readonly #client: OpenAI;

  constructor(o: OpenAICompatibleOptions) {
    this.name = o.name;
    const common = {
      maxRetries: 0,
      logLevel: 'off' as const,
      timeout: o.timeoutMs ?? 600_000,
      defaultHeaders: o.headers,
      ...(o.fetch ? { fetch: o.fetch } : {}),
    };
    if (o.kind === 'azure-openai') {
      // baseURL rather than `endpoint`: the client would otherwise also read OPENAI_BASE_URL and refuse both.
      this.#client = new AzureOpenAI({ ...common, baseURL: `${o.baseURL.replace(/\/+$/, '')}/openai`, apiKey: o.apiKey, apiVersion: o.apiVersion ?? '2024-10-21' });
    } else {
      // The SDK insists on a key; a keyless server gets no credential header at all (defaultHeaders null removes it).
      this.#client = new OpenAI({ ...common, baseURL: o.baseURL, apiKey: o.apiKey ?? 'keyless', ...(o.apiKey ? {} : { defaultHeaders: { ...o.headers, authorization: null } }) });
    }
  }

  async complete(req: Request, signal: AbortSignal): Promise<Response> {
    try {
      const body = toOpenAIRequest(req, false) as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
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
