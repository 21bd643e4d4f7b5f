import { describe, expect, it } from 'vitest';
import { parseUpstashTokens } from './tokens.ts';

const token = 'tok-0123456789abcdef';

describe('parseUpstashTokens', () => {
  it('maps each token to its tenant, scope (default upstash) and trust', () => {
    const tokens = parseUpstashTokens(JSON.stringify({ [token]: { tenant: 'acme' }, [`${token}2`]: { tenant: 'beta', scope: 'kv', trusted: true, defaultTtl: true } }));
    expect(tokens.size).toBe(2);
    expect(tokens.lookup(token)).toEqual({ tenant: 'acme', scope: 'upstash', trusted: false, defaultTtl: false });
    expect(tokens.lookup(`${token}2`)).toEqual({ tenant: 'beta', scope: 'kv', trusted: true, defaultTtl: true });
    expect(tokens.lookup(`${token}x`)).toBeUndefined();
    expect(tokens.lookup('')).toBeUndefined();
    expect(tokens.tokens).toEqual([token, `${token}2`]);
  });

  it('is empty for an empty value', () => {
    expect(parseUpstashTokens('').size).toBe(0);
  });

  it.each([
    ['not json', /JSON object/],
    ['[]', /JSON object/],
    [JSON.stringify({ short: { tenant: 'a' } }), /at least 16/],
    [JSON.stringify({ [token]: { tenant: 'a b' } }), /tenant must match/],
    [JSON.stringify({ [token]: { tenant: 'a', scope: '' } }), /scope must match/],
    [JSON.stringify({ [token]: { tenant: 'a', trusted: 'yes' } }), /trusted must be/],
    [JSON.stringify({ [token]: { tenant: 'a', role: 'x' } }), /unknown field "role"/],
    [JSON.stringify({ [token]: { tenant: 'a', defaultTtl: 1 } }), /defaultTtl must be/],
  ])('refuses %s clearly, never quoting a token', (text, message) => {
    expect(() => parseUpstashTokens(text)).toThrow(message);
    try {
      parseUpstashTokens(text);
    } catch (err) {
      expect((err as Error).message).not.toContain(token);
    }
  });
});
