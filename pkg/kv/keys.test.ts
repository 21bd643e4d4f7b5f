import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CacheError } from './errors.ts';
import { decodeKey, encodeKey, encodeValidKey, validateKey, validateNamespace, validatePrefix, MAX_KEY_BYTES } from './keys.ts';

// The CRC16 slot function Redis Cluster itself uses (as ioredis computes it).
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

const nameChars = fc.constantFrom(...'ABCXYZabcxyz0189._-'.split(''));
const name = fc.string({ unit: nameChars, minLength: 1, maxLength: 64 });
// Keys of any well-formed Unicode, including `:`, `{`, `}` and the other separators.
const key = fc
  .string({ unit: fc.oneof(fc.constantFrom(':', '{', '}', '\u0000', '/', ' '), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 40 })
  .filter((k) => Buffer.byteLength(k) <= MAX_KEY_BYTES);
const ns = fc.record({ tenantKey: name, scope: name });

describe('encodeKey', () => {
  it('never maps two different (tenant, scope, key) to one stored key', () => {
    fc.assert(
      fc.property(ns, key, ns, key, (a, ka, b, kb) => {
        const same = a.tenantKey === b.tenantKey && a.scope === b.scope && ka === kb;
        expect(encodeKey('pf', a, ka) === encodeKey('pf', b, kb)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it('never collides on near-misses built to confuse separators', () => {
    // Shift a `:` between scope and key, and braces between tenant and scope.
    fc.assert(
      fc.property(name, name, key, (t, s, k) => {
        const base = encodeKey('pf', { tenantKey: t, scope: s }, k);
        expect(encodeKey('pf', { tenantKey: t, scope: s }, `${k}:`)).not.toBe(base);
        if (s.length > 1) expect(encodeKey('pf', { tenantKey: t, scope: s.slice(0, -1) }, `${s.slice(-1)}:${k}`)).not.toBe(base);
      }),
    );
  });

  it('decodes back to exactly the namespace and key it encoded', () => {
    fc.assert(fc.property(ns, key, (n, k) => {
      expect(decodeKey('pf:cache', encodeKey('pf:cache', n, k))).toEqual({ ...n, key: k });
    }));
  });

  it('puts every key of one tenant in one Redis Cluster slot, whatever the scope and key', () => {
    fc.assert(
      fc.property(name, fc.array(fc.tuple(name, key), { minLength: 2, maxLength: 10 }), (tenant, entries) => {
        const slots = new Set(entries.map(([scope, k]) => keySlot(encodeKey('pilotfish', { tenantKey: tenant, scope }, k))));
        expect(slots.size).toBe(1);
        expect([...slots][0]).toBe(keySlot(tenant));
      }),
    );
  });

  it('spreads different tenants over different slots', () => {
    const slots = new Set(Array.from({ length: 200 }, (_, i) => keySlot(encodeKey('pilotfish', { tenantKey: `t${i}`, scope: 's' }, 'k'))));
    expect(slots.size).toBeGreaterThan(150);
  });
});

describe('validation', () => {
  it.each(['', 'a:b', 'a{b', 'ünï', 'a b', 'x'.repeat(65), 'a/b'])('refuses tenant %j', (tenant) => {
    expect(() => validateNamespace({ tenantKey: tenant, scope: 's' })).toThrow(CacheError);
    expect(() => validateNamespace({ tenantKey: 't', scope: tenant })).toThrow(/scope/);
  });

  it('accepts names at the limits', () => {
    expect(() => validateNamespace({ tenantKey: 'x'.repeat(64), scope: 'a.b-c_D9' })).not.toThrow();
  });

  it('limits keys to 1024 bytes of UTF-8, counted in bytes', () => {
    expect(() => validateKey('k'.repeat(1024))).not.toThrow();
    expect(() => validateKey('k'.repeat(1025))).toThrow(/1024 bytes/);
    expect(() => validateKey('é'.repeat(512))).not.toThrow();
    expect(() => validateKey('é'.repeat(513))).toThrow(/1024 bytes/);
    expect(() => validateKey('😀'.repeat(257))).toThrow(/1024 bytes/);
  });

  it('refuses empty keys, non-strings and lone surrogates', () => {
    for (const bad of ['', 42, null, '\uD800', 'a\uDC00b']) {
      try {
        validateKey(bad);
        expect.unreachable();
      } catch (err) {
        expect((err as CacheError).kind).toBe('invalid_key');
      }
    }
  });

  it('refuses prefixes that would break the hash tag', () => {
    expect(() => validatePrefix('pf:cache')).not.toThrow();
    expect(() => validatePrefix('pf{x}')).toThrow(CacheError);
    expect(() => validatePrefix('')).toThrow(CacheError);
  });

  it('encodeValidKey validates before encoding', () => {
    expect(encodeValidKey('pf', { tenantKey: 't', scope: 's' }, 'a:b')).toBe('pf:{t}:s:a:b');
    expect(() => encodeValidKey('pf', { tenantKey: 't}', scope: 's' }, 'k')).toThrow(/tenant/);
  });
});
