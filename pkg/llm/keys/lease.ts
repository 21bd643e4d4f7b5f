/**
 * A pod's lease of a key's minute, as pure decisions of clock readings: the
 * Redis ledger takes a block of the minute's requests in one script call and
 * admits from it in process, so most requests cost no round trip. What is
 * decided here: when the pod may answer alone, how many requests to ask for,
 * what Redis grants (the LEASE script's arithmetic, mirrored), and when to
 * top up ahead of need.
 */
import { decide, type Limits, type Verdict } from './windows.ts';

/** A lease is sized to what the pod admitted over this window, so it lasts about as long at the same rate. */
const LEASE_WINDOW_MS = 200;
/** Ahead of need a lease takes at most this share of what is left of the minute (1/8). */
export const LEASE_SHARE_DIVISOR = 8;
/** After this age the view is refreshed in the background while the pod keeps admitting. */
export const REFRESH_MS = 50;
/** Past this age the view is not trusted: the next request waits for Redis. */
export const MAX_STALE_MS = 100;

/** What a pod knows of a key's current minute and month. */
export interface LeaseView {
  /** Requests of the minute this pod holds and has not admitted yet. */
  lease: number;
  /** The minute's requests leased across every pod, as last read. */
  requests: number;
  /** The minute's tokens: as last read, plus this pod's answers since. */
  tokens: number;
  /** The month's spend: as last read, plus this pod's answers since. */
  spentUsd: number;
  /** Clock reading (ms, monotonic) when the view was read from Redis; -Infinity: never. */
  fetchedAt: number;
}

/**
 * The verdict the pod can give alone (the order of decide(): budget, tokens, requests), or undefined when it must
 * ask Redis: the view is older than `maxStaleMs`, or an rpm key has no leased request left while the minute may
 * still have some.
 */
export function localVerdict(v: LeaseView, limits: Limits, now: number, at: number, maxStaleMs = MAX_STALE_MS): Verdict | undefined {
  if (at - v.fetchedAt > maxStaleMs) return undefined;
  // A held request needs no look at the minute's count: it is already counted there.
  const verdict = decide({ requests: v.lease > 0 ? 0 : v.requests, tokens: v.tokens, spentUsd: v.spentUsd }, limits, now);
  if (verdict.ok && limits.rpm !== undefined && v.lease <= 0) return undefined;
  return verdict;
}

/** A lease request: `need` requests are in hand (waiting for it), `want` is what the pod would like to hold. */
export interface LeaseAsk { need: number; want: number }

/** What to ask for: a window's worth at the pod's recent rate, less what it holds, and at least one per request waiting. */
export function leaseAsk(recent: number, held: number, waiting: number): LeaseAsk {
  return { need: waiting, want: Math.max(0, Math.ceil(recent) - held, waiting) };
}

/**
 * What the LEASE script grants when `left` of the rpm remain (its arithmetic, mirrored for tests): the requests in
 * hand get what they need while any is left; beyond them at most 1/`divisor` of what is left, so one pod cannot hold
 * what the others need, and nothing ahead of need once fewer than `divisor` are left: the last requests of a minute
 * are granted one by one to requests in hand, exactly.
 */
export function grantOf(ask: LeaseAsk, left: number, divisor = LEASE_SHARE_DIVISOR): number {
  if (left <= 0) return 0;
  return Math.min(left, Math.max(ask.need, Math.min(ask.want, Math.floor(left / divisor))));
}

/**
 * Whether to ask Redis in the background after an admit: the view is getting old, or the lease has fallen below
 * half a window's worth while the minute may still have room, so a steady stream of requests never waits. Not for a
 * pod admitting fewer than one request per MAX_STALE_MS: its next request would find the view too old anyway, and a
 * call ahead of it would only double its calls and strand what it leased.
 */
export function wantsTopUp(v: LeaseView, recent: number, limits: Limits, at: number, refreshMs = REFRESH_MS): boolean {
  if (recent < LEASE_WINDOW_MS / MAX_STALE_MS) return false;
  if (at - v.fetchedAt >= refreshMs) return true;
  return limits.rpm !== undefined && v.requests < limits.rpm && v.lease < recent / 2;
}

/**
 * Admits over a sliding window, estimated from two fixed buckets: the current one, and the previous one weighted by
 * how much of it the window still covers. Constant memory, whatever the rate.
 */
export class RateWindow {
  readonly #windowMs: number;
  #start = -Infinity;
  #current = 0;
  #previous = 0;

  constructor(windowMs = LEASE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  add(at: number, n = 1): void {
    this.#roll(at);
    this.#current += n;
  }

  /** Admits in the `windowMs` before `at`. */
  count(at: number): number {
    this.#roll(at);
    const covered = 1 - (at - this.#start) / this.#windowMs;
    return this.#current + this.#previous * Math.min(1, Math.max(0, covered));
  }

  #roll(at: number): void {
    const w = this.#windowMs;
    if (at - this.#start >= 2 * w) {
      this.#start = at;
      this.#previous = 0;
      this.#current = 0;
    } else if (at - this.#start >= w) {
      this.#start += w;
      this.#previous = this.#current;
      this.#current = 0;
    }
  }
}
