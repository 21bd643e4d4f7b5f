/**
 * Who may call and how much: the proxy tokens (`LLM_PROXY_TOKEN`, trusted
 * callers without limits) and the client keys (`LLM_PROXY_KEYS`, each with a
 * tenant, allowed models, rpm, tpm and a monthly budget). With neither
 * configured every caller passes, as before. Pure of HTTP: the caller's key
 * string comes in, a verdict goes out.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Usage } from '../canonical.ts';
import { keyDigest, type KeyEntry, type KeyMap } from './key-map.ts';
import type { Ledger } from './ledger.ts';
import type { Verdict } from './windows.ts';

export type Caller = { kind: 'open' } | { kind: 'token' } | { kind: 'key'; entry: KeyEntry };

export interface KeyGateOptions {
  /** `LLM_PROXY_KEYS`, parsed. Default none. */
  keys?: KeyMap;
  /** `LLM_PROXY_TOKEN`. Default none. */
  tokens?: readonly string[];
  /** Where limits are counted. Default: none, so limits are not enforced (only models are). */
  ledger?: Ledger;
  /** The clock windows are read from. Default Date.now. */
  now?: () => number;
  /** A ledger that failed (Redis down): the request goes on unlimited and this is told. */
  onLedgerError?: (err: unknown) => void;
}

const OPEN: Caller = { kind: 'open' };
const TOKEN: Caller = { kind: 'token' };

export class KeyGate {
  readonly #keys: KeyMap;
  readonly #tokens: Buffer[];
  readonly #ledger?: Ledger;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;

  constructor(options: KeyGateOptions = {}) {
    this.#keys = options.keys ?? new Map();
    this.#tokens = (options.tokens ?? []).map(keyDigest);
    this.#ledger = options.ledger;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onLedgerError ?? (() => {});
  }

  /** Whether callers must present a token or a key. */
  get required(): boolean {
    return this.#keys.size > 0 || this.#tokens.length > 0;
  }

  /** The caller a key belongs to; undefined: refused (401). */
  identify(key: string | undefined): Caller | undefined {
    if (!this.required) return OPEN;
    if (key === undefined) return undefined;
    const d = keyDigest(key);
    let token = false;
    // Every token is compared, so the time taken says nothing of which one matched.
    for (const t of this.#tokens) if (timingSafeEqual(t, d)) token = true;
    if (token) return TOKEN;
    const entry = this.#keys.get(d.toString('hex'));
    return entry ? { kind: 'key', entry } : undefined;
  }

  /** Whether the caller may call a model, named as it asked or as routing mapped it (any of `names`). */
  mayUse(caller: Caller, names: readonly string[]): boolean {
    if (caller.kind !== 'key' || !caller.entry.models) return true;
    const m = caller.entry.models;
    return names.some((n) => m(n));
  }

  /** Checks the key's rpm, tpm and budget and counts the request. */
  async admit(caller: Caller): Promise<Verdict> {
    if (caller.kind !== 'key' || !this.#ledger || !limited(caller.entry)) return { ok: true };
    const e = caller.entry;
    try {
      return await this.#ledger.admit(e.id, e, this.#now());
    } catch (err) {
      this.#onError(err);
      return { ok: true };
    }
  }

  /** Counts an answer's tokens and cost against the key (in the background: the answer is already on its way). */
  record(caller: Caller, usage: Usage | undefined, costUsd: number | undefined): void {
    if (caller.kind !== 'key' || !this.#ledger || !limited(caller.entry)) return;
    const tokens = usage ? usage.inputTokens + usage.outputTokens : 0;
    const cost = costUsd ?? 0;
    if (tokens === 0 && cost === 0) return;
    this.#ledger.record(caller.entry.id, tokens, cost, this.#now()).catch((err: unknown) => this.#onError(err));
  }

  /** The key's spend this month (for tests and status). */
  spent(caller: Caller): Promise<number> {
    if (caller.kind !== 'key' || !this.#ledger) return Promise.resolve(0);
    return this.#ledger.spent(caller.entry.id, this.#now());
  }
}

const limited = (e: KeyEntry) => e.rpm !== undefined || e.tpm !== undefined || e.monthlyBudgetUsd !== undefined;
