import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PilotfishError } from '#pkg/errors/index.ts';
import { KnowledgeError } from './errors.ts';
import { normalizeQuery, parseSearchParams, DEFAULT_LIMIT, MAX_QUERY_LENGTH, MAX_TTL_MS } from './params.ts';

function errorOf(fn: () => unknown): KnowledgeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KnowledgeError) return err;
    throw err;
  }
  throw new Error('expected a KnowledgeError');
}

describe('normalizeQuery', () => {
  it('folds width, case and whitespace', () => {
    expect(normalizeQuery('  Ｋｕｂｅｒｎｅｔｅｓ \t  AUTOSCALER\n')).toBe('kubernetes autoscaler');
    expect(normalizeQuery('ﬁle\u00a0cache')).toBe('file cache');
  });

  it('is a fixed point: normalising twice changes nothing', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
      const once = normalizeQuery(s);
      expect(normalizeQuery(once)).toBe(once);
    }), { numRuns: 2000 });
  });
});

describe('parseSearchParams', () => {
  it('returns the normalised query and the default limit, and no ttl unless asked', () => {
    expect(parseSearchParams({ q: '  Cache  TTL ' })).toEqual({ query: 'cache ttl', limit: DEFAULT_LIMIT });
    expect(parseSearchParams({ q: 'x', limit: '50' })).toEqual({ query: 'x', limit: 50 });
    expect(parseSearchParams({ q: 'x', limit: '1' }).limit).toBe(1);
  });

  it.each([undefined, '', '   ', '\n\t', ['a', 'b'], 42, { q: 'a' }])('refuses q=%j as invalid_query', (q) => {
    const err = errorOf(() => parseSearchParams({ q }));
    expect(err.code).toBe('invalid_query');
    expect(err.message).toMatch(/\bq\b/);
  });

  it('refuses a query longer than 500 characters, and takes one of exactly 500', () => {
    expect(parseSearchParams({ q: 'a'.repeat(MAX_QUERY_LENGTH) }).query).toHaveLength(MAX_QUERY_LENGTH);
    const err = errorOf(() => parseSearchParams({ q: 'a'.repeat(MAX_QUERY_LENGTH + 1) }));
    expect(err.code).toBe('invalid_query');
    expect(err.message).toContain('500');
  });

  it.each(['0', '51', 'abc', '-1', '1.5', '', ' ', '1e1', '0x10', ['5', '6'], 0, 51, 2.5])('refuses limit=%j as invalid_limit', (limit) => {
    const err = errorOf(() => parseSearchParams({ q: 'x', limit }));
    expect(err.code).toBe('invalid_limit');
    expect(err.message).toMatch(/^limit /);
  });

  it.each([
    ['10s', 10_000], ['5000ms', 5000], ['15', 15_000], ['1.5s', 1500], ['2m', 120_000], ['24h', MAX_TTL_MS], ['86400', MAX_TTL_MS], [30, 30_000],
  ] as const)('reads ttl=%j as %d ms', (ttl, ms) => {
    expect(parseSearchParams({ q: 'x', ttl }).ttlMs).toBe(ms);
  });

  it.each(['0', '0s', '-5', '-5s', 'abc', '', '10 parsecs', '25h', '86401', '0.0001s', ['10s', '20s'], -1])('refuses ttl=%j as invalid_ttl', (ttl) => {
    const err = errorOf(() => parseSearchParams({ q: 'x', ttl }));
    expect(err.code).toBe('invalid_ttl');
    expect(err.message).toMatch(/^ttl /);
  });

  it('is a domain error with the error body of every other one, and no HTTP status (the app maps its code)', () => {
    const err = errorOf(() => parseSearchParams({ q: 'x', limit: '0' }));
    expect(err).toBeInstanceOf(PilotfishError);
    expect('status' in err).toBe(false);
    expect(err.name).toBe('KnowledgeError');
    expect(JSON.parse(JSON.stringify(err))).toEqual({ error: { code: 'invalid_limit', message: err.message } });
  });

  it('reports the query before the limit and the ttl', () => {
    expect(errorOf(() => parseSearchParams({ q: '', limit: '0', ttl: 'x' })).code).toBe('invalid_query');
    expect(errorOf(() => parseSearchParams({ q: 'a', limit: '0', ttl: 'x' })).code).toBe('invalid_limit');
  });
});
