/**
 * Raw pass-through to a provider: what the proxy does not need to understand
 * goes to the upstream and back as bytes, with the proxy's resilience around it.
 *
 * API (see also /docs/llm-proxy.md, "Pass-through"):
 *
 *   const answer = await stack.passthrough.forward('openai', {
 *     method: 'POST',                   // default POST
 *     path: '/embeddings',              // after the provider's base URL, as its SDK writes it:
 *                                       //   OpenAI (base …/v1): '/chat/completions', '/responses', '/embeddings', '/models/gpt-4o'
 *                                       //   Anthropic (base without /v1): '/v1/messages', '/v1/messages/count_tokens'
 *     headers: req.headers,             // the caller's; filtered by passthrough-headers.ts (no caller auth, the proxy's key added)
 *     body: rawBodyBuffer,              // string | Uint8Array; sent as is (retries resend it)
 *     stream: false,                    // true: resolve at the first body chunk (SSE), idle timeout after
 *     model: 'text-embedding-3-small',  // for x-llm-model, metrics and logs only
 *   }, abortSignal, { deadlineMs });    // optional: the caller's budget (resilience/budget.ts requestDeadline)
 *
 *   answer.status, answer.headers       // upstream 2xx status; headers safe for the caller (request id, rate limits, content-type)
 *   answer.body                         // Buffer (stream: false)
 *   answer.chunks, answer.close()       // AsyncIterable<Buffer> starting with the first chunk, and abort (stream: true)
 *   answer.provider, .attempts, …       // the Outcome, for the x-llm-* headers
 *
 * It runs through the provider's breaker and the retry policy under the
 * deadline (Gateway.run), on the pooled undici Agent. Failures throw
 * GatewayError; its `error` (LlmError) carries `upstream` (status, safe
 * headers, body with secrets masked) when the provider answered non-2xx, so a
 * caller of the provider's dialect can relay it verbatim (llmproxy relay.ts).
 * `attempt()` is the single attempt, for loops that mix pass-through and
 * translated candidates (the chat endpoints).
 */
import type { Dispatcher } from 'undici';
import { secrets } from '#pkg/log/index.ts';
import type { Dialect } from './canonical.ts';
import { LlmError } from './errors.ts';
import type { CallOptions, Gateway, Outcome } from './gateway.ts';
import { clientHeaders, upstreamHeaders, type CallerHeaders } from './passthrough-headers.ts';
import type { ProviderName } from './provider.ts';
import { classifyStatus } from './providers/sdk-errors.ts';
import type { Attempt } from './resilience/attempt.ts';

export interface PassthroughTarget {
  provider: ProviderName;
  dialect: Dialect;
  /** As configured: OpenAI's includes `/v1`, Anthropic's does not (as the SDKs take them). */
  baseURL: string;
  /** Empty for a keyless upstream: no credential header. */
  apiKey: string;
  /** A named upstream's extra headers (`LLM_UPSTREAMS` `headers`), over the caller's. Default none. */
  headers?: Record<string, string>;
}

export interface ForwardRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers?: CallerHeaders;
  body?: string | Uint8Array;
  stream?: boolean;
  model?: string;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The whole body of a non-streaming answer. */
  body?: Buffer;
  /** A streaming answer's bytes, its first chunk already received. */
  chunks?: AsyncIterable<Buffer>;
  /** Ends the upstream call (stream done, or client gone). */
  close(): void;
}

/** Longest upstream error body kept for relaying (an error is a few hundred bytes; a proxy page could be large). */
const ERROR_BODY_LIMIT = 64 * 1024;

interface Resolved extends PassthroughTarget { origin: string; basePath: string }

const noop = () => {};

export class Passthrough {
  readonly #gateway: Gateway;
  readonly #dispatcher: Dispatcher;
  readonly #targets = new Map<ProviderName, Resolved>();

  constructor(options: { gateway: Gateway; dispatcher: Dispatcher; targets: PassthroughTarget[] }) {
    this.#gateway = options.gateway;
    this.#dispatcher = options.dispatcher;
    for (const t of options.targets) {
      const url = new URL(t.baseURL);
      this.#targets.set(t.provider, { ...t, origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') });
    }
  }

  /** The wire dialect of a provider that can be reached raw (the mock cannot). */
  dialectOf(provider: ProviderName): Dialect | undefined {
    return this.#targets.get(provider)?.dialect;
  }

  /** Retries, breaker and deadline around raw calls to one provider (no fallback: another provider speaks another API). */
  forward(provider: ProviderName, req: ForwardRequest, signal: AbortSignal, options: CallOptions = {}): Promise<RawAnswer & Outcome> {
    if (!this.#targets.has(provider)) {
      return Promise.reject(new LlmError('invalid_request', `provider "${provider}" cannot be reached for ${req.path} on this proxy`, { param: 'model' }));
    }
    const route = { requested: req.model ?? '', candidates: [{ provider, model: req.model ?? '' }] };
    return this.#gateway.run(route, signal, (_c, _p, attempt) => this.attempt(provider, req, attempt), { ...options, stream: req.stream ?? false });
  }

  /**
   * One attempt: resolves with a 2xx answer (non-stream: its whole body; stream: at its first chunk), throws
   * LlmError otherwise (classified like the SDK paths, with the upstream answer attached).
   */
  async attempt(provider: ProviderName, req: ForwardRequest, attempt: Attempt): Promise<RawAnswer> {
    const t = this.#targets.get(provider);
    if (!t) throw new LlmError('invalid_request', `provider "${provider}" cannot be reached raw`);
    const signal = attempt.signal;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#dispatcher.request({
        origin: t.origin,
        path: t.basePath + req.path,
        method: req.method ?? 'POST',
        headers: t.headers ? { ...upstreamHeaders(t.dialect, t.apiKey, req.headers, req.body !== undefined), ...t.headers } : upstreamHeaders(t.dialect, t.apiKey, req.headers, req.body !== undefined),
        body: req.body,
        signal,
      });
    } catch (err) {
      throw failure(err, provider, signal);
    }
    const status = res.statusCode;
    if (status < 200 || status >= 300) {
      const raw = await readCapped(res.body, ERROR_BODY_LIMIT, signal, provider);
      const text = secrets.mask(raw.toString('utf8'));
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON: classified by status, relayed as text */ }
      const headers = clientHeaders(res.headers);
      throw classifyStatus(status, parsed, headerView(res.headers), provider, { status, headers, body: Buffer.from(text) });
    }
    const headers = clientHeaders(res.headers);
    if (!req.stream) {
      const body = await readAll(res.body, signal, provider);
      attempt.release();
      return { status, headers, body, close: noop };
    }
    return this.#firstChunk(provider, status, headers, res.body, attempt);
  }

  async #firstChunk(provider: ProviderName, status: number, headers: Record<string, string>, body: Dispatcher.ResponseData['body'], attempt: Attempt): Promise<RawAnswer> {
    const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const signal = attempt.signal;
    let first: IteratorResult<Buffer>;
    try {
      first = await it.next();
    } catch (err) {
      throw failure(err, provider, signal);
    }
    if (first.done) throw new LlmError('truncated', `${provider}: empty stream`, { provider });
    attempt.idle(this.#gateway.streamIdleMs, provider);
    let finished = false;
    let pending: Buffer | undefined = first.value;
    const chunks: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<Buffer>> => {
          if (pending) { const value = pending; pending = undefined; return { done: false, value }; }
          try {
            const n = await it.next();
            if (n.done) { finished = true; attempt.release(); } else attempt.touch();
            return n;
          } catch (err) {
            finished = true;
            attempt.release();
            throw failure(err, provider, signal);
          }
        },
      }),
    };
    const close = () => {
      attempt.release();
      if (finished || signal.aborted) return;
      finished = true;
      attempt.controller.abort(new LlmError('aborted', 'stream closed'));
      body.destroy();
    };
    return { status, headers, chunks, close };
  }
}

function headerView(h: Record<string, string | string[] | undefined>): { get(name: string): string | null } {
  return { get: (name) => { const v = h[name]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v; } };
}

/** What a failed socket means: the attempt's abort reason (timeout, deadline, caller gone) when it was aborted. */
function failure(err: unknown, provider: string, signal: AbortSignal): LlmError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof LlmError ? reason : new LlmError('aborted', `${provider}: call aborted`, { provider });
  }
  if (err instanceof LlmError) return err;
  return new LlmError('network', `${provider}: connection failed`, { provider, cause: err });
}

async function readAll(body: Dispatcher.ResponseData['body'], signal: AbortSignal, provider: string): Promise<Buffer> {
  try {
    // undici's own consumer (one buffer, no async iterator per chunk); Buffer.from(ArrayBuffer) shares it, no copy.
    return Buffer.from(await body.arrayBuffer());
  } catch (err) {
    throw failure(err, provider, signal);
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], limit: number, signal: AbortSignal, provider: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of body as AsyncIterable<Buffer>) {
      if (size < limit) { parts.push(c); size += c.length; }
    }
  } catch (err) {
    throw failure(err, provider, signal);
  }
  const all = Buffer.concat(parts, size);
  return all.length > limit ? all.subarray(0, limit) : all;
}
