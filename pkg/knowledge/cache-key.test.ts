import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateKey, MAX_KEY_BYTES } from '#pkg/kv/index.ts';
import { searchCacheKey } from './cache-key.ts';
import { KnowledgeError } from './errors.ts';
import { normalizeQuery, MAX_LIMIT } from './params.ts';

describe('searchCacheKey', () => {
  it('gives a key pkg/kv accepts for any query and limit', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), fc.integer({ min: 1, max: MAX_LIMIT }), (q, limit) => {
      const key = searchCacheKey(normalizeQuery(q), limit);
      expect(() => validateKey(key)).not.toThrow();
      expect(Buffer.byteLength(key)).toBeLessThan(MAX_KEY_BYTES);
      expect(key).toMatch(/^v1:\d{1,2}:[0-9a-f]{32}$/);
    }), { numRuns: 1000 });
  });

  it('maps equivalent spellings of a query to one key', () => {
    const spellings = ['Kubernetes  Autoscaler', '  kubernetes autoscaler ', 'ＫＵＢＥＲＮＥＴＥＳ\tautoscaler', 'kubernetes\n autoscaler'];
    const keys = new Set(spellings.map((q) => searchCacheKey(normalizeQuery(q), 10)));
    expect(keys.size).toBe(1);
  });

  it('keeps different queries and different limits apart', () => {
    const base = searchCacheKey('cache ttl', 10);
    expect(searchCacheKey('cache ttl', 11)).not.toBe(base);
    expect(searchCacheKey('cache ttls', 10)).not.toBe(base);
    expect(searchCacheKey('cache  ttl', 10)).not.toBe(base);
  });

  it('carries the limit in the key so a reader can tell entries apart', () => {
    expect(searchCacheKey('x', 7).startsWith('v1:7:')).toBe(true);
  });

  it('refuses a limit the routes would refuse', () => {
    expect(() => searchCacheKey('x', 0)).toThrow(KnowledgeError);
    expect(() => searchCacheKey('x', 51)).toThrow(KnowledgeError);
  });
});
