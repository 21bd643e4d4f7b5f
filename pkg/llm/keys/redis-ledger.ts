/**
 * The ledger in Redis, shared by every proxy pod. Requests are counted by
 * lease: a pod takes a block of the minute's rpm in one script call (capped
 * at what is left, atomically, so all pods together never take more than the
 * rpm) and admits from it in process while its view of the minute's tokens
 * and the month's spend, read by the same call, is fresh. Near the limit
 * nothing is leased ahead of need: the last requests of a minute are granted
 * in Redis to requests in hand, exactly as one by one. Answers' tokens and
 * cost are summed in process and written in batches. A key's counters share
 * the hash tag `{<id>}`, so the scripts work on a Redis Cluster.
 */
import type { Cluster, Redis } from 'ioredis';
import { PilotfishError } from '#pkg/errors/index.ts';
import type { Ledger } from './ledger.ts';
import { LEASE_SHARE_DIVISOR, MAX_STALE_MS, REFRESH_MS, RateWindow, leaseAsk, localVerdict, wantsTopUp, type LeaseView } from './lease.ts';
import { MINUTE_MS, minuteOf, monthOf, msToNextMonth, type Limits, type Verdict } from './windows.ts';

// Mirrors windows.ts decide(): no lease while the budget, then the tokens, then the requests are spent; the grant's
// arithmetic is lease.ts grantOf(). Returns the grant and the counters as they stand after it.
const LEASE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local tokens = redis.call('GET', KEYS[2]) or '0'
local spent = redis.call('GET', KEYS[3]) or '0'
local rpm, tpm, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local need, want = tonumber(ARGV[4]), tonumber(ARGV[5])
local grant = 0
if want > 0 and rpm >= 0 and not (budget >= 0 and tonumber(spent) >= budget) and not (tpm >= 0 and tonumber(tokens) >= tpm) and used < rpm then
  local left = rpm - used
  grant = math.min(left, math.max(need, math.min(want, math.floor(left / tonumber(ARGV[7])))))
end
if grant > 0 then
  used = redis.call('INCRBY', KEYS[1], grant)
  if used == grant then redis.call('PEXPIRE', KEYS[1], ARGV[6]) end
end
return {grant, used, tokens, spent}`;

// Gives unused leased requests back, never below zero nor to a minute whose key is gone.
const GIVE_BACK = `
local n = math.min(tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1]))
if n > 0 then redis.call('DECRBY', KEYS[1], n) end
return n`;

const RECORD = `
if tonumber(ARGV[1]) > 0 then redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if tonumber(ARGV[2]) > 0 then redis.call('INCRBYFLOAT', KEYS[2], ARGV[2]); redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 0`;

// A minute's counters outlive it by a minute (clock skew between pods); a month's spend by a week (reports after the turn).
const MINUTE_KEY_TTL_MS = 2 * MINUTE_MS;
const MONTH_GRACE_MS = 7 * 24 * 3600_000;
// Each round either admits, refuses or finds its grant taken by requests that waited longer; this many is contention
// no pod should see, and the request then goes on as if Redis were away.
const MAX_ROUNDS = 8;

interface Scripted {
  pfLlmLease(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<[number, number, string, string]>;
  pfLlmGiveBack(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  pfLlmRecord(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  get(key: string): Promise<string | null>;
}

/**
 * Answers' tokens and cost are summed in process per key, minute and month and written every `flushMs` (one script
 * call per key instead of one per answer). The other pods see them that much later, which tpm and budgets, already
 * counted after the answer, can bear.
 */
const DEFAULT_FLUSH_MS = 50;

export interface RedisLedgerOptions {
  /** Key prefix. Default `pilotfish`. */
  prefix?: string;
  /** See DEFAULT_FLUSH_MS (0: write each answer at once). Default 50. */
  flushMs?: number;
  /** Monotonic clock (ms) the view's age and the admit rate are read from. Default performance.now. */
  clock?: () => number;
  /** Age at which the view is refreshed in the background. Default 50. */
  refreshMs?: number;
  /** Age past which a request waits for a fresh view. Default 100. */
  maxStaleMs?: number;
}

interface Pending { id: string; now: number; tokens: number; costUsd: number }

interface KeyState extends LeaseView {
  minute: number;
  month: string;
  rate: RateWindow;
  /** Requests waiting for the lease call in flight. */
  waiting: number;
  /** The one lease call in flight for the key: concurrent requests share it. */
  inflight: Promise<void> | undefined;
}

export class RedisLedger implements Ledger {
  readonly #redis: Scripted;
  readonly #prefix: string;
  readonly #flushMs: number;
  readonly #clock: () => number;
  readonly #refreshMs: number;
  readonly #maxStaleMs: number;
  readonly #keys = new Map<string, KeyState>();
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  /** `client`: a connected ioredis client (the response cache's RedisStore.client); not closed here. */
  constructor(client: Redis | Cluster, options: RedisLedgerOptions = {}) {
    client.defineCommand('pfLlmLease', { lua: LEASE });
    client.defineCommand('pfLlmGiveBack', { lua: GIVE_BACK });
    client.defineCommand('pfLlmRecord', { lua: RECORD });
    this.#redis = client as unknown as Scripted;
    this.#prefix = `${options.prefix ?? 'pilotfish'}:llm:key`;
    this.#flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.#clock = options.clock ?? (() => performance.now());
    this.#refreshMs = options.refreshMs ?? REFRESH_MS;
    this.#maxStaleMs = options.maxStaleMs ?? MAX_STALE_MS;
  }

  #key(id: string, what: string): string {
    return `${this.#prefix}:{${id}}:${what}`;
  }

  #stateOf(id: string, now: number): KeyState {
    const minute = minuteOf(now);
    const month = monthOf(now);
    let s = this.#keys.get(id);
    if (!s) {
      s = { minute, month, lease: 0, requests: 0, tokens: 0, spentUsd: 0, fetchedAt: -Infinity, rate: new RateWindow(), waiting: 0, inflight: undefined };
      this.#keys.set(id, s);
    }
    // Windows only move forward: a request read just before a turn that another already made is judged in the new window.
    // A lease left at a turn is not given back: it counts in a minute that is over, and expires with it.
    if (minute > s.minute) { s.minute = minute; s.lease = 0; s.requests = 0; s.tokens = 0; s.fetchedAt = -Infinity; }
    if (month > s.month) { s.month = month; s.spentUsd = 0; s.fetchedAt = -Infinity; }
    return s;
  }

  async admit(id: string, limits: Limits, now: number): Promise<Verdict> {
    const s = this.#stateOf(id, now);
    let waitedFrom = Infinity;
    for (let round = 0; ; round++) {
      const at = this.#clock();
      // A view read by a call sent after this request began to wait is fresh enough for it, however slow the round trip.
      const v = localVerdict(s, limits, now, at, s.fetchedAt >= waitedFrom ? Infinity : this.#maxStaleMs);
      if (v) {
        if (v.ok) this.#admitted(s, id, limits, at);
        return v;
      }
      if (round === MAX_ROUNDS) throw new PilotfishError('llm_ledger_contended', `no leased request after ${MAX_ROUNDS} lease calls`);
      waitedFrom = Math.min(waitedFrom, at);
      s.waiting += 1;
      try {
        await this.#lease(s, id, limits);
      } finally {
        s.waiting -= 1;
      }
    }
  }

  #admitted(s: KeyState, id: string, limits: Limits, at: number): void {
    if (limits.rpm !== undefined) s.lease -= 1;
    s.rate.add(at);
    // A failed top-up is not this request's: the next one that finds no lease or an old view asks again, and fails visibly.
    if (!s.inflight && wantsTopUp(s, s.rate.count(at), limits, at, this.#refreshMs)) this.#lease(s, id, limits).catch(() => undefined);
  }

  /** One script call: a lease sized to the recent rate and the waiting requests, and a fresh view of the windows. */
  #lease(s: KeyState, id: string, limits: Limits): Promise<void> {
    if (s.inflight) return s.inflight;
    const { minute, month } = s;
    // The view is as old as the call: counts that move while it is in flight are not in it.
    const sentAt = this.#clock();
    const ask = limits.rpm === undefined ? { need: 0, want: 0 } : leaseAsk(s.rate.count(sentAt), s.lease, s.waiting);
    const call = this.#redis.pfLlmLease(3, this.#key(id, `rpm:${minute}`), this.#key(id, `tpm:${minute}`), this.#key(id, `spend:${month}`),
      limits.rpm ?? -1, limits.tpm ?? -1, limits.monthlyBudgetUsd ?? -1, ask.need, ask.want, MINUTE_KEY_TTL_MS, LEASE_SHARE_DIVISOR);
    s.inflight = call.then(([grant, used, tokens, spent]) => {
      // What this pod recorded and has not written yet is not in Redis: it stays in the view.
      const pending = this.#pending.get(slotOf(id, minute, month));
      if (s.minute === minute) {
        s.lease += Number(grant);
        s.requests = Number(used);
        s.tokens = Number(tokens) + (pending?.tokens ?? 0);
      }
      if (s.month === month) s.spentUsd = Number(spent) + (pending?.costUsd ?? 0);
      if (s.minute === minute && s.month === month) s.fetchedAt = sentAt;
    }).finally(() => { s.inflight = undefined; });
    return s.inflight;
  }

  record(id: string, tokens: number, costUsd: number, now: number): Promise<void> {
    const s = this.#keys.get(id);
    if (s) {
      if (minuteOf(now) === s.minute) s.tokens += tokens;
      if (monthOf(now) === s.month) s.spentUsd += costUsd;
    }
    if (this.#flushMs <= 0) return this.#write(id, tokens, costUsd, now);
    const slot = slotOf(id, minuteOf(now), monthOf(now));
    const p = this.#pending.get(slot);
    if (p) { p.tokens += tokens; p.costUsd += costUsd; } else this.#pending.set(slot, { id, now, tokens, costUsd });
    this.#timer ??= setTimeout(() => { void this.flush(); }, this.#flushMs).unref();
    return Promise.resolve();
  }

  /** Writes what was recorded since the last flush. */
  async flush(): Promise<void> {
    this.#timer = undefined;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    // A write that fails (Redis down) is dropped: the limits already pass unlimited while Redis is away.
    await Promise.all(batch.map((p) => this.#write(p.id, p.tokens, p.costUsd, p.now).catch(() => undefined)));
  }

  async #write(id: string, tokens: number, costUsd: number, now: number): Promise<void> {
    await this.#redis.pfLlmRecord(2, this.#key(id, `tpm:${minuteOf(now)}`), this.#key(id, `spend:${monthOf(now)}`),
      Math.max(0, Math.round(tokens)), costUsd > 0 ? costUsd.toFixed(12) : 0, MINUTE_KEY_TTL_MS, msToNextMonth(now) + MONTH_GRACE_MS);
  }

  async spent(id: string, now: number): Promise<number> {
    return Number(await this.#redis.get(this.#key(id, `spend:${monthOf(now)}`)) ?? 0);
  }

  /** Writes the last answers' counts and gives unused leased requests back to their minute, for the other pods. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    await Promise.all([...this.#keys.values()].map((s) => s.inflight?.catch(() => undefined)));
    await this.flush();
    const held = [...this.#keys].filter(([, s]) => s.lease > 0);
    await Promise.all(held.map(([id, s]) => {
      const n = s.lease;
      s.lease = 0;
      return this.#redis.pfLlmGiveBack(1, this.#key(id, `rpm:${s.minute}`), n).catch(() => undefined);
    }));
  }
}

const slotOf = (id: string, minute: number, month: string) => `${id}:${minute}:${month}`;
