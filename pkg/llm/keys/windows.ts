/**
 * The windows limits count in, as pure functions of a clock reading (ms since
 * the epoch): requests and tokens per UTC minute, spend per UTC calendar
 * month. The memory ledger and the Redis script decide the same way.
 */
export interface Limits {
  rpm?: number;
  tpm?: number;
  monthlyBudgetUsd?: number;
}

/** What a key used in the current windows. */
export interface Used {
  requests: number;
  tokens: number;
  spentUsd: number;
}

export type LimitReason = 'rpm' | 'tpm' | 'budget';

export type Verdict = { ok: true } | { ok: false; reason: LimitReason; retryAfterMs: number };

export const MINUTE_MS = 60_000;

export const minuteOf = (now: number): number => Math.floor(now / MINUTE_MS);

export const msToNextMinute = (now: number): number => MINUTE_MS - (now % MINUTE_MS);

/** `YYYY-MM` of the UTC calendar month. */
export function monthOf(now: number): string {
  const d = new Date(now);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function msToNextMonth(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - now;
}

/** Which limit, if any, refuses one more request: the budget first (it lasts longest), then tokens, then requests. */
export function decide(used: Used, limits: Limits, now: number): Verdict {
  if (limits.monthlyBudgetUsd !== undefined && used.spentUsd >= limits.monthlyBudgetUsd) return { ok: false, reason: 'budget', retryAfterMs: msToNextMonth(now) };
  if (limits.tpm !== undefined && used.tokens >= limits.tpm) return { ok: false, reason: 'tpm', retryAfterMs: msToNextMinute(now) };
  if (limits.rpm !== undefined && used.requests >= limits.rpm) return { ok: false, reason: 'rpm', retryAfterMs: msToNextMinute(now) };
  return { ok: true };
}
