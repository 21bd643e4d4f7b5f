import OpenAI, { AzureOpenAI } from 'openai';
import type { Request, Response, StreamEvent } from '../canonical.ts';
import { completeChat, streamChat } from './openai-chat.ts';
import type { LLMProvider, ProviderName } from '../provider.ts';

/** Azure OpenAI's `api-version` when an upstream names none (the GA version current in 2026). */
const DEFAULT_AZURE_API_VERSION = '2024-10-21';

export interface OpenAICompatibleOptions {
  /** The upstream's name (`LLM_UPSTREAMS`): metrics, errors, `x-llm-provider`. */
  name: ProviderName;
  /** `openai` and `openai-compatible`: the stock client at `baseURL`; `azure-openai`: the SDK's AzureOpenAI client. */
  kind: 'openai' | 'openai-compatible' | 'azure-openai';
  /** OpenAI-style: the API root including `/v1`; Azure: the resource endpoint (`https://<resource>.openai.azure.com`). */
  baseURL: string;
  /** Absent for a keyless server (vLLM, Ollama without auth): no credential is sent. */
  apiKey?: string;
  /** Azure's `api-version` query parameter. Default DEFAULT_AZURE_API_VERSION. */
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
      this.#client = new AzureOpenAI({ ...common, baseURL: `${o.baseURL.replace(/\/+$/, '')}/openai`, apiKey: o.apiKey, apiVersion: o.apiVersion ?? DEFAULT_AZURE_API_VERSION });
    } else {
      // The SDK insists on a key; a keyless server gets no credential header at all (defaultHeaders null removes it).
      this.#client = new OpenAI({ ...common, baseURL: o.baseURL, apiKey: o.apiKey ?? 'keyless', ...(o.apiKey ? {} : { defaultHeaders: { ...o.headers, authorization: null } }) });
    }
  }

  complete(req: Request, signal: AbortSignal): Promise<Response> {
    return completeChat(this.#client, this.name, req, signal);
  }

  stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return streamChat(this.#client, this.name, req, signal);
  }
}
