import { ResponsesTap, SseTap, usageOf, type Dialect, type Usage } from '#pkg/llm/index.ts';
import type { StreamTap } from './relay.ts';

/** What the raw pass-through of one chat-like endpoint reads on the way: its stream tap and the usage of its answer. */
export interface RawWire {
  /** Whether the proxy asks an OpenAI stream for the usage chunk its caller did not ask for (chat only: `stream_options.include_usage`). */
  asksUsage: boolean;
  tap(dropUsageChunk: boolean): StreamTap;
  usage(json: unknown): Usage | undefined;
}

export function chatWire(d: Dialect): RawWire {
  return { asksUsage: d === 'openai', tap: (drop) => new SseTap(d, { dropUsageChunk: drop }), usage: (json) => usageOf(d, json) };
}

/** OpenAI Responses: usage always comes in `response.completed`, and its shape (`input_tokens`, `output_tokens`) is Anthropic's. */
export const responsesWire: RawWire = { asksUsage: false, tap: () => new ResponsesTap(), usage: (json) => usageOf('anthropic', json) };
