/**
 * Pure time-budget decisions: the deadline of one request and the timeout of
 * each attempt inside it. No I/O, no timers (gateway.ts applies them).
 *
 * The official SDKs announce their own timeout in `x-stainless-timeout`
 * (seconds, default 600) and give up at that moment. The proxy takes that as
 * the request's deadline, a little earlier so that its answer (or its error)
 * still reaches an SDK that is waiting, and never beyond `maxMs`.
 */

export interface BudgetOptions {
  /** Deadline when the caller announces none (`LLM_TIMEOUT_MS`). */
  defaultMs: number;
  /** Longest deadline a caller may ask for (`LLM_MAX_TIMEOUT_MS`, default 10 minutes). */
  maxMs: number;
}

/** The request's deadline in ms from its `x-stainless-timeout` header (seconds), bounded by `maxMs`. */
export function requestDeadline(header: string | string[] | undefined, o: BudgetOptions): number {
  const raw = Array.isArray(header) ? header[0] : header;
  const seconds = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) return Math.min(o.defaultMs, o.maxMs);
  const ms = seconds * 1000;
  // Answer before the SDK gives up: 5% of its budget, at most a second.
  const margin = Math.min(1000, ms * 0.05);
  return Math.max(1, Math.min(o.maxMs, Math.floor(ms - margin)));
}

/**
 * The timeout of the next attempt. A stream's attempt lasts until its first
 * event: `attemptMs` (`LLM_ATTEMPT_TIMEOUT_MS`), as before. A non-streaming
 * answer is generated whole before its first byte, so its attempt grows with
 * the deadline: a little under half of what is left (45%, so that a hung
 * first attempt still leaves room for a whole second one of the same length,
 * which nextDelay requires before retrying a timeout), never less than
 * `attemptMs`, never past the deadline.
 */
export function attemptTimeout(stream: boolean, msLeft: number, attemptMs: number): number {
  const left = Math.max(1, msLeft);
  if (stream) return Math.min(attemptMs, left);
  return Math.min(left, Math.max(attemptMs, Math.floor(left * 0.45)));
}
