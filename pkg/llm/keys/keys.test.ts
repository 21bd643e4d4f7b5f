import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyGate, MemoryLedger, decide, modelMatcher, monthOf, msToNextMonth, msToNextMinute, parseKeyMap } from './index.ts';

const KEY = 'pf-key-acme-0123456789abcdef';
const OTHER = 'pf-key-globex-0123456789abcdef';

describe('LLM_PROXY_KEYS', () => {
  it('keeps keys only as digests, with the tenant and limits of each', () => {
    const map = parseKeyMap(JSON.stringify({ [KEY]: { tenant: 'acme', models: ['gpt-4o-mini'], rpm: 10, tpm: 1000, monthlyBudgetUsd: 5 }, [OTHER]: { tenant: 'globex' } }));
    expect(map.size).toBe(2);
    for (const hex of map.keys()) expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify([...map.keys()])).not.toContain('acme-0123');
    const gate = new KeyGate({ keys: map });
    const acme = gate.identify(KEY);
    expect(acme).toMatchObject({ kind: 'key', entry: { tenant: 'acme', rpm: 10, tpm: 1000, monthlyBudgetUsd: 5 } });
    expect(gate.identify(OTHER)).toMatchObject({ kind: 'key', entry: { tenant: 'globex' } });
    expect(gate.identify('pf-key-nobody-0123456789abcdef')).toBeUndefined();
    expect(gate.identify(undefined)).toBeUndefined();
  });

  it('refuses a bad map naming the entry and field, never the key', () => {
    const bad = (v: unknown) => { try { parseKeyMap(JSON.stringify({ [KEY]: v })); return ''; } catch (e) { return (e as Error).message; } };
    for (const [value, field] of [[{}, 'tenant'], [{ tenant: 'a b' }, 'tenant'], [{ tenant: 'a', rpm: -1 }, 'rpm'], [{ tenant: 'a', tpm: 1.5 }, 'tpm'],
      [{ tenant: 'a', models: 'gpt-4o' }, 'models'], [{ tenant: 'a', monthlyBudgetUsd: '5' }, 'monthlyBudgetUsd'], [{ tenant: 'a', rps: 1 }, 'unknown field']] as const) {
      const msg = bad(value);
      expect(msg).toContain('entry 1');
      expect(msg).toContain(field);
      expect(msg).not.toContain(KEY);
    }
    expect(() => parseKeyMap('{"short":{"tenant":"a"}}')).toThrow(/at least 16/);
    expect(() => parseKeyMap('[1]')).toThrow(/JSON object/);
    expect(parseKeyMap('').size).toBe(0);
  });

  it('with tokens and keys both configured, a token is a trusted caller and anything else is refused', () => {
    const gate = new KeyGate({ keys: parseKeyMap(JSON.stringify({ [KEY]: { tenant: 'acme' } })), tokens: ['pf-proxy-token-0123456789'] });
    expect(gate.identify('pf-proxy-token-0123456789')).toEqual({ kind: 'token' });
    expect(gate.identify(KEY)?.kind).toBe('key');
    expect(gate.identify('nope')).toBeUndefined();
    expect(new KeyGate().identify(undefined)).toEqual({ kind: 'open' });
  });
});

describe('model globs', () => {
  it('match ids exactly, * across any characters (slashes too), ? one', () => {
    const m = modelMatcher(['gpt-4o-mini', 'claude-*', 'meta-llama/*', 'o?-mini']);
    expect(m('gpt-4o-mini')).toBe(true);
    expect(m('gpt-4o')).toBe(false);
    expect(m('claude-sonnet-4-6')).toBe(true);
    expect(m('meta-llama/Llama-3.1-8B')).toBe(true);
    expect(m('o4-mini')).toBe(true);
    expect(m('o10-mini')).toBe(false);
    expect(m('xclaude-x')).toBe(false);
  });

  it('treat every other character literally', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[*?]/.test(s)), fc.string({ maxLength: 20 }), (id, other) => {
      const m = modelMatcher([id]);
      return m(id) && (other === id || !m(other));
    }));
  });
});

describe('windows', () => {
  it('months are UTC calendar months; the wait runs to the next one', () => {
    const t = Date.UTC(2026, 11, 31, 23, 59, 30);
    expect(monthOf(t)).toBe('2026-12');
    expect(monthOf(t + 30_000)).toBe('2027-01');
    expect(msToNextMonth(t)).toBe(30_000);
    expect(msToNextMinute(Date.UTC(2026, 0, 1, 0, 0, 45))).toBe(15_000);
  });

  it('the budget refuses before tokens, tokens before requests; below every limit passes', () => {
    const now = Date.UTC(2026, 5, 15);
    const limits = { rpm: 2, tpm: 100, monthlyBudgetUsd: 1 };
    expect(decide({ requests: 1, tokens: 99, spentUsd: 0.99 }, limits, now)).toEqual({ ok: true });
    expect(decide({ requests: 2, tokens: 100, spentUsd: 1 }, limits, now)).toMatchObject({ ok: false, reason: 'budget' });
    expect(decide({ requests: 2, tokens: 100, spentUsd: 0 }, limits, now)).toMatchObject({ ok: false, reason: 'tpm', retryAfterMs: 60_000 });
    expect(decide({ requests: 2, tokens: 0, spentUsd: 0 }, limits, now)).toMatchObject({ ok: false, reason: 'rpm' });
    expect(decide({ requests: 1e9, tokens: 1e9, spentUsd: 1e9 }, {}, now)).toEqual({ ok: true });
  });
});

describe('KeyGate with the memory ledger and an injected clock', () => {
  const map = parseKeyMap(JSON.stringify({ [KEY]: { tenant: 'acme', models: ['gpt-*'], rpm: 2, tpm: 50, monthlyBudgetUsd: 0.01 } }));

  it('counts requests per minute and lets the next minute through', async () => {
    let now = Date.UTC(2026, 11, 2, 10, 0, 5);
    const gate = new KeyGate({ keys: map, ledger: new MemoryLedger(), now: () => now });
    const c = gate.identify(KEY)!;
    expect((await gate.admit(c)).ok).toBe(true);
    expect((await gate.admit(c)).ok).toBe(true);
    expect(await gate.admit(c)).toEqual({ ok: false, reason: 'rpm', retryAfterMs: 55_000 });
    now += 55_000;
    expect((await gate.admit(c)).ok).toBe(true);
  });

  it('counts tokens after the answer and checks them before the next; spend lasts the month', async () => {
    let now = Date.UTC(2026, 11, 15, 12);
    const gate = new KeyGate({ keys: map, ledger: new MemoryLedger(), now: () => now });
    const c = gate.identify(KEY)!;
    expect((await gate.admit(c)).ok).toBe(true);
    gate.record(c, { inputTokens: 40, outputTokens: 10 }, 0.004);
    expect(await gate.admit(c)).toMatchObject({ ok: false, reason: 'tpm' });
    now += 60_000;
    gate.record(c, { inputTokens: 1, outputTokens: 1 }, 0.006);
    expect(await gate.spent(c)).toBeCloseTo(0.01, 12);
    expect(await gate.admit(c)).toMatchObject({ ok: false, reason: 'budget', retryAfterMs: Date.UTC(2027, 0, 1) - now });
    now = Date.UTC(2027, 0, 1);
    expect((await gate.admit(c)).ok).toBe(true);
  });

  it('a key may call the models its globs allow, named as asked or as routed', () => {
    const gate = new KeyGate({ keys: map });
    const c = gate.identify(KEY)!;
    expect(gate.mayUse(c, ['gpt-4o-mini'])).toBe(true);
    expect(gate.mayUse(c, ['fast', 'gpt-4o-mini'])).toBe(true);
    expect(gate.mayUse(c, ['claude-sonnet-4-6'])).toBe(false);
    expect(gate.mayUse({ kind: 'token' }, ['claude-sonnet-4-6'])).toBe(true);
  });

  it('a failing ledger lets the request through and says so', async () => {
    const errors: unknown[] = [];
    const broken = { admit: () => Promise.reject(new Error('down')), record: () => Promise.reject(new Error('down')), spent: () => Promise.resolve(0), close: () => Promise.resolve() };
    const gate = new KeyGate({ keys: map, ledger: broken, onLedgerError: (e) => errors.push(e) });
    const c = gate.identify(KEY)!;
    expect(await gate.admit(c)).toEqual({ ok: true });
    gate.record(c, { inputTokens: 1, outputTokens: 1 }, 0.1);
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(2);
  });
});
