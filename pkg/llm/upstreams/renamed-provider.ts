import type { Request, Response, StreamEvent } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import type { LLMProvider, ProviderName } from '../provider.ts';

/**
 * A built-in provider class serving a named upstream (an `anthropic` kind named `claude-eu`): its errors name
 * the upstream, so the breaker's last error, the logs and the caller's error agree with `x-llm-provider`.
 */
export class RenamedProvider implements LLMProvider {
  readonly name: ProviderName;
  readonly #inner: LLMProvider;

  constructor(name: ProviderName, inner: LLMProvider) {
    this.name = name;
    this.#inner = inner;
  }

  async complete(req: Request, signal: AbortSignal): Promise<Response> {
    try {
      return await this.#inner.complete(req, signal);
    } catch (err) {
      throw this.#renamed(err);
    }
  }

  async *stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
    try {
      yield* this.#inner.stream(req, signal);
    } catch (err) {
      throw this.#renamed(err);
    }
  }

  #renamed(err: unknown): unknown {
    if (!(err instanceof LlmError) || err.provider !== this.#inner.name) return err;
    const message = err.message.startsWith(`${this.#inner.name}:`) ? `${this.name}:${err.message.slice(this.#inner.name.length + 1)}` : err.message;
    return new LlmError(err.kind, message, {
      provider: this.name, upstreamStatus: err.upstreamStatus, retryAfterMs: err.retryAfterMs, param: err.param,
      code: err.code, upstreamType: err.upstreamType, upstream: err.upstream, cause: err.cause,
    });
  }
}
