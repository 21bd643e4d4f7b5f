/**
 * Pure retry decisions: which failures to retry, how long to wait. No I/O, no
 * timers; the loop that uses them is the gateway's (gateway.ts).
 */
import type { LlmError } from '../errors.ts';

export interface BackoffOptions {
  /** First backoff ceiling in ms. Default 250. */
  baseMs: number;
  /** Largest wait in ms, also the cap on a provider's retry-after. Default 8000. */
  capMs: number;
}

/**
 * "Full jitter" exponential backoff: a uniform wait in [0, min(cap, base·2^n)],
 * where n counts retries from 0. Spreads a burst of retrying clients evenly.
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/** `retry-after-ms` (ms), else `retry-after` (seconds or an HTTP date), in ms; undefined when absent or unparseable. */
export function retryAfterMs(headers: { get(name: string): string | null }, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null) {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before the next attempt: the provider's retry-after when it gave
 * one (capped), else full-jitter backoff. `undefined` means "do not retry":
 * the error is not retryable, attempts are spent, or the wait would pass the
 * deadline, or (`attemptMs` given) the attempt timed out and what is left of
 * the deadline would not hold a whole second attempt of that length: the
 * upstream had accepted the request and may still be generating (and
 * billing) it, so a shorter second try would only pay twice for a timeout.
 */
export function nextDelay(
  err: LlmError,
  attempt: number,
  maxAttempts: number,
  msLeft: number,
  options: BackoffOptions,
  random: () => number = Math.random,
  attemptMs?: number,
): number | undefined {
  if (!err.retryable || attempt >= maxAttempts) return undefined;
  if (err.kind === 'timeout' && attemptMs !== undefined && msLeft < attemptMs) return undefined;
  // A provider asking for more than the cap will not be ready in time: fail over instead of hammering it.
  if (err.retryAfterMs !== undefined && err.retryAfterMs > options.capMs) return undefined;
  const wait = err.retryAfterMs ?? backoffDelay(attempt - 1, options, random);
  return wait < msLeft ? wait : undefined;
}
