import { decide, minuteOf, monthOf, type Limits, type Verdict } from './windows.ts';

/** Where a key's requests, tokens and spend are counted: in process, or in Redis shared by every proxy pod. */
export interface Ledger {
  /** Checks the key's limits and, when it may go on, counts the request. */
  admit(id: string, limits: Limits, now: number): Promise<Verdict>;
  /** Counts an answer's tokens (this minute) and cost (this month). */
  record(id: string, tokens: number, costUsd: number, now: number): Promise<void>;
  /** The key's spend this month, in USD. */
  spent(id: string, now: number): Promise<number>;
  close(): Promise<void>;
}

interface Counters { minute: number; requests: number; tokens: number; month: string; spentUsd: number }

/** One process's ledger (no REDIS_URL): limits hold per pod. */
export class MemoryLedger implements Ledger {
  readonly #keys = new Map<string, Counters>();

  #at(id: string, now: number): Counters {
    const minute = minuteOf(now);
    const month = monthOf(now);
    let c = this.#keys.get(id);
    if (!c) { c = { minute, requests: 0, tokens: 0, month, spentUsd: 0 }; this.#keys.set(id, c); }
    if (c.minute !== minute) { c.minute = minute; c.requests = 0; c.tokens = 0; }
    if (c.month !== month) { c.month = month; c.spentUsd = 0; }
    return c;
  }

  admit(id: string, limits: Limits, now: number): Promise<Verdict> {
    const c = this.#at(id, now);
    const v = decide(c, limits, now);
    if (v.ok) c.requests += 1;
    return Promise.resolve(v);
  }

  record(id: string, tokens: number, costUsd: number, now: number): Promise<void> {
    const c = this.#at(id, now);
    c.tokens += tokens;
    c.spentUsd += costUsd;
    return Promise.resolve();
  }

  spent(id: string, now: number): Promise<number> {
    return Promise.resolve(this.#at(id, now).spentUsd);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
