import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CacheError } from './errors.ts';
import { DEFAULT_TTL_POLICY, effectiveTtl, parseRequestedTtl, parseTtlPolicy, ruleFor } from './ttl.ts';

const files: Record<string, string> = {
  '/etc/policy.yaml': 'default:\n  ttl: 1m\n  min: 10s\n  max: 2h\nscopes:\n  search:\n    ttl: 20s\n    max: 1m\n',
  '/etc/policy.json': '{"scopes":{"a":{"ttl":2000,"min":"1s","max":"3s"}}}',
  '/etc/broken.yaml': 'default: [unclosed',
};
const reader = (path: string) => {
  if (!(path in files)) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
  return files[path];
};

describe('parseTtlPolicy', () => {
  it('has the built-in default: knowledge.search at 15 s within 5–30 s, others 30 s within 1 s–1 h', () => {
    expect(ruleFor(DEFAULT_TTL_POLICY, 'knowledge.search')).toEqual({ ttlMs: 15_000, minMs: 5000, maxMs: 30_000 });
    expect(ruleFor(DEFAULT_TTL_POLICY, 'other')).toEqual({ ttlMs: 30_000, minMs: 1000, maxMs: 3_600_000 });
    expect(parseTtlPolicy(undefined)).toBe(DEFAULT_TTL_POLICY);
    expect(parseTtlPolicy('  ')).toBe(DEFAULT_TTL_POLICY);
  });

  it('reads inline JSON with mixed duration spellings', () => {
    const p = parseTtlPolicy('{"default":{"ttl":"5m","min":500,"max":"1h"},"scopes":{"x":{"ttl":"1500ms"}}}');
    expect(p.default).toEqual({ ttlMs: 300_000, minMs: 500, maxMs: 3_600_000 });
    // A scope inherits the fields it leaves out from the policy default.
    expect(ruleFor(p, 'x')).toEqual({ ttlMs: 1500, minMs: 500, maxMs: 3_600_000 });
    // A given policy replaces the built-in scopes.
    expect(ruleFor(p, 'knowledge.search')).toBe(p.default);
  });

  it('reads YAML and JSON files by path', () => {
    const y = parseTtlPolicy('/etc/policy.yaml', reader);
    expect(y.default).toEqual({ ttlMs: 60_000, minMs: 10_000, maxMs: 7_200_000 });
    expect(ruleFor(y, 'search')).toEqual({ ttlMs: 20_000, minMs: 10_000, maxMs: 60_000 });
    const j = parseTtlPolicy('/etc/policy.json', reader);
    expect(ruleFor(j, 'a')).toEqual({ ttlMs: 2000, minMs: 1000, maxMs: 3000 });
    expect(j.default).toEqual(DEFAULT_TTL_POLICY.default);
  });

  it('accepts an object', () => {
    expect(ruleFor(parseTtlPolicy({ scopes: { s: { ttl: '2s', min: '1s', max: '3s' } } }), 's').ttlMs).toBe(2000);
  });

  it.each([
    ['{"default":{"ttl":"soon"}}', 'default.ttl'],
    ['{"default":{"min":"10s","max":"5s","ttl":"7s"}}', 'default.min'],
    ['{"scopes":{"s":{"ttl":"2h"}}}', 'scopes.s.ttl'],
    ['{"scopes":{"s":{"tll":"2s"}}}', 'scopes.s.tll'],
    ['{"scopes":{"bad scope":{"ttl":"2s"}}}', 'scopes.bad scope'],
    ['{"scopes":{"s":{"ttl":0}}}', 'scopes.s.ttl'],
    ['{"scopes":[]}', 'scopes'],
    ['{"defaults":{}}', 'defaults'],
    ['{"default":', 'policy'],
    ['/etc/missing.yaml', 'file /etc/missing.yaml'],
    ['/etc/broken.yaml', 'file /etc/broken.yaml'],
  ])('names the bad field of %s', (input, field) => {
    try {
      parseTtlPolicy(input, reader);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CacheError);
      expect((err as CacheError).message).toContain(`TTL policy: ${field} `);
      expect((err as CacheError).kind).toBe('invalid_ttl');
    }
  });
});

describe('effectiveTtl', () => {
  it('uses the scope default when no TTL is requested', () => {
    expect(effectiveTtl(DEFAULT_TTL_POLICY, 'knowledge.search', undefined)).toBe(15_000);
    expect(effectiveTtl(DEFAULT_TTL_POLICY, 'anything', undefined)).toBe(30_000);
  });

  it('clamps into the scope range', () => {
    expect(effectiveTtl(DEFAULT_TTL_POLICY, 'knowledge.search', 60_000)).toBe(30_000);
    expect(effectiveTtl(DEFAULT_TTL_POLICY, 'knowledge.search', 1)).toBe(5000);
    expect(effectiveTtl(DEFAULT_TTL_POLICY, 'knowledge.search', 0)).toBe(5000);
    expect(effectiveTtl(DEFAULT_TTL_POLICY, 'knowledge.search', 12_345)).toBe(12_345);
  });

  it('always lands inside [min, max] and keeps in-range requests', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e10, noNaN: true }), fc.constantFrom('knowledge.search', 'x'), (ms, scope) => {
        const rule = ruleFor(DEFAULT_TTL_POLICY, scope);
        const out = effectiveTtl(DEFAULT_TTL_POLICY, scope, ms);
        expect(out).toBeGreaterThanOrEqual(rule.minMs);
        expect(out).toBeLessThanOrEqual(rule.maxMs);
        if (ms >= rule.minMs && ms <= rule.maxMs) expect(out).toBe(Math.round(ms));
      }),
    );
  });

  it('refuses negative and non-finite requests', () => {
    for (const bad of [-1, Number.NaN, Infinity]) expect(() => effectiveTtl(DEFAULT_TTL_POLICY, 's', bad)).toThrow(CacheError);
  });

  it('parses requested TTLs', () => {
    expect(parseRequestedTtl('15s')).toBe(15_000);
    expect(parseRequestedTtl('250')).toBe(250);
    expect(parseRequestedTtl(undefined)).toBeUndefined();
    expect(() => parseRequestedTtl('15 seconds')).toThrow(/ttl must be a duration/);
  });
});
