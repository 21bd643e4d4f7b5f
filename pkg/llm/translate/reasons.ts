import type { StopReason } from '../canonical.ts';

/** Stop/finish reasons between the canonical model and both dialects. */
export function fromOpenAIFinish(reason: unknown): StopReason {
  switch (reason) {
    case 'length': return 'length';
    case 'tool_calls': case 'function_call': return 'tool_calls';
    case 'content_filter': return 'content_filter';
    default: return 'stop';
  }
}

export function toOpenAIFinish(reason: StopReason): string {
  return reason === 'error' ? 'stop' : reason;
}

export function fromAnthropicStop(reason: unknown): StopReason {
  switch (reason) {
    case 'max_tokens': case 'model_context_window_exceeded': return 'length';
    case 'tool_use': return 'tool_calls';
    case 'refusal': return 'content_filter';
    default: return 'stop'; // end_turn, stop_sequence, pause_turn
  }
}

export function toAnthropicStop(reason: StopReason): string {
  switch (reason) {
    case 'length': return 'max_tokens';
    case 'tool_calls': return 'tool_use';
    case 'content_filter': return 'refusal';
    default: return 'end_turn';
  }
}
