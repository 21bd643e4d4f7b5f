import type { Request, Response, StreamEvent } from './canonical.ts';

/** A configured upstream: one of the built-in names below, or a named upstream of `LLM_UPSTREAMS` (pkg/llm/upstreams). */
export type ProviderName = string;
/** The built-in providers (`LLM_PROVIDER`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, the mock). */
export const PROVIDER_NAMES: readonly ProviderName[] = ['openai', 'anthropic', 'mock'];

/**
 * One upstream. `complete` and `stream` throw LlmError only; they never retry
 * (the proxy's retry layer is the only one) and stop work when `signal` aborts.
 */
export interface LLMProvider {
  readonly name: ProviderName;
  complete(req: Request, signal: AbortSignal): Promise<Response>;
  /** A well-formed event stream (`start` … `end`); a cut or malformed upstream stream throws. */
  stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}
