import type { LlmStack } from '#pkg/llm/index.ts';

/** Admin `GET /v1/status`: per provider, breaker state, error rate over the window, last error kind (never a message or secret). */
export function statusBody(stack: Pick<LlmStack, 'breakers'>): unknown {
  const providers: Record<string, unknown> = {};
  for (const [name, b] of stack.breakers) {
    const w = b.window;
    providers[name] = { breaker: b.state, window: { calls: w.calls, failures: w.failures, errorPct: w.errorPct }, lastError: b.lastError ?? null };
  }
  return { providers };
}
