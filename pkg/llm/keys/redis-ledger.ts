/**
 * The ledger in Redis, shared by every proxy pod: one Lua script checks the
 * budget, the minute's tokens and requests and counts the request, atomically
 * (two pods cannot both take the last request of a minute); another counts an
 * answer's tokens and cost. A key's counters share the hash tag `{<id>}`, so
 * both scripts work on a Redis Cluster.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Ledger } from './ledger.ts';
import { MINUTE_MS, minuteOf, monthOf, msToNextMinute, msToNextMonth, type LimitReason, type Limits, type Verdict } from './windows.ts';

// Mirrors windows.ts decide(): budget, then tokens, then requests; only an admitted request is counted.
const ADMIT = `
local budget = tonumber(ARGV[3])
if budget >= 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= budget then return 3 end
local tpm = tonumber(ARGV[2])
if tpm >= 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= tpm then return 2 end
local rpm = tonumber(ARGV[1])
if rpm >= 0 and tonumber(redis.call('GET', KEYS[1]) or '0') >= rpm then return 1 end
if rpm >= 0 and redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 0`;

const RECORD = `
if tonumber(ARGV[1]) > 0 then redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if tonumber(ARGV[2]) > 0 then redis.call('INCRBYFLOAT', KEYS[2], ARGV[2]); redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 0`;

const REASONS: Record<number, LimitReason> = { 1: 'rpm', 2: 'tpm', 3: 'budget' };
// A minute's counters outlive it by a minute (clock skew between pods); a month's spend by a week (reports after the turn).
const MINUTE_KEY_TTL_MS = 2 * MINUTE_MS;
const MONTH_GRACE_MS = 7 * 24 * 3600_000;

interface Scripted {
  pfLlmAdmit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  pfLlmRecord(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  get(key: string): Promise<string | null>;
}

/**
 * Answers' tokens and cost are summed in process per key, minute and month and written every `flushMs` (one script
 * call per key instead of one per answer: under load that halves the Redis work a limited key adds). The other pods
 * see them that much later, which tpm and budgets, already counted after the answer, can bear.
 */
const DEFAULT_FLUSH_MS = 50;

interface Pending { id: string; now: number; tokens: number; costUsd: number }

export class RedisLedger implements Ledger {
  readonly #redis: Scripted;
  readonly #prefix: string;
  readonly #flushMs: number;
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  /** `client`: a connected ioredis client (the response cache's RedisStore.client); not closed here. `flushMs`: see above (0: write each answer at once). */
  constructor(client: Redis | Cluster, prefix = 'pilotfish', flushMs = DEFAULT_FLUSH_MS) {
    client.defineCommand('pfLlmAdmit', { lua: ADMIT });
    client.defineCommand('pfLlmRecord', { lua: RECORD });
    this.#redis = client as unknown as Scripted;
    this.#prefix = `${prefix}:llm:key`;
    this.#flushMs = flushMs;
  }

  #key(id: string, what: string): string {
    return `${this.#prefix}:{${id}}:${what}`;
  }

  async admit(id: string, limits: Limits, now: number): Promise<Verdict> {
    const minute = minuteOf(now);
    const r = await this.#redis.pfLlmAdmit(3,
      this.#key(id, `rpm:${minute}`), this.#key(id, `tpm:${minute}`), this.#key(id, `spend:${monthOf(now)}`),
      limits.rpm ?? -1, limits.tpm ?? -1, limits.monthlyBudgetUsd ?? -1, MINUTE_KEY_TTL_MS);
    const reason = REASONS[Number(r)];
    if (!reason) return { ok: true };
    return { ok: false, reason, retryAfterMs: reason === 'budget' ? msToNextMonth(now) : msToNextMinute(now) };
  }

  record(id: string, tokens: number, costUsd: number, now: number): Promise<void> {
    if (this.#flushMs <= 0) return this.#write(id, tokens, costUsd, now);
    const slot = `${id}:${minuteOf(now)}:${monthOf(now)}`;
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

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    await this.flush();
  }
}
