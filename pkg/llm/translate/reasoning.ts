import type { Reasoning, ReasoningEffort } from '../canonical.ts';

/**
 * OpenAI `reasoning_effort` ↔ Anthropic `thinking.budget_tokens`. Anthropic's
 * smallest budget is 1024 tokens and the budget counts inside `max_tokens`
 * (as OpenAI's reasoning tokens count inside `max_completion_tokens`). The
 * way back picks the level whose budget is nearest below: each level
 * round-trips to itself (minimal and xhigh land on low and high, the levels
 * every OpenAI reasoning model takes).
 */
const THINKING_BUDGET: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
};

export const MIN_THINKING_BUDGET = 1024;

export function effortForBudget(budgetTokens: number): ReasoningEffort {
  if (budgetTokens >= THINKING_BUDGET.high) return 'high';
  if (budgetTokens >= THINKING_BUDGET.medium) return 'medium';
  return 'low';
}

/** The Anthropic budget of a canonical reasoning setting; undefined when it asks for no reasoning. */
export function budgetFor(r: Reasoning): number | undefined {
  if (r.budgetTokens !== undefined) return r.budgetTokens;
  return r.effort === 'none' ? undefined : THINKING_BUDGET[r.effort];
}

const EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
export const isEffort = (v: unknown): v is ReasoningEffort => typeof v === 'string' && EFFORTS.has(v);
