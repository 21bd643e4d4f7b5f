import { describe, expect, it } from 'vitest';
import { CacheError, DEFAULT_TTL_POLICY } from '#pkg/kv/index.ts';
import { parseMget, parseMset, parseTx, MAX_BATCH_ITEMS, valueJson } from './input.ts';
import { STATUS_BY_KIND } from './data-handler.ts';

/** The status the data API answers the error with. */
const statusOf = (e: CacheError): number => STATUS_BY_KIND[e.kind];

const policy = DEFAULT_TTL_POLICY;

function errorOf(fn: () => unknown): CacheError {
  try { fn(); } catch (err) { if (err instanceof CacheError) return err; throw err; }
  throw new Error('expected a CacheError');
}

describe('parseMget', () => {
  it('accepts a list of keys', () => expect(parseMget({ keys: ['a', 'b/c'] })).toEqual(['a', 'b/c']));
  it('refuses bodies that are not a keys array, empty, or too large', () => {
    expect(errorOf(() => parseMget([])).code).toBe('invalid_body');
    expect(errorOf(() => parseMget({ keys: [] })).code).toBe('invalid_body');
    const big = errorOf(() => parseMget({ keys: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => `k${i}`) }));
    expect(big.code).toBe('batch_too_large');
    expect(statusOf(big)).toBe(400);
  });
  it('names the bad key by index', () => {
    const e = errorOf(() => parseMget({ keys: ['ok', '', 'x'] }));
    expect(e.message).toMatch(/^keys\[1\]/);
    expect(statusOf(e)).toBe(400);
  });
});

describe('parseMset', () => {
  it('clamps each TTL to the scope policy and serialises values', () => {
    const items = parseMset({ items: [{ key: 'a', value: { x: 1 }, ttl: '1h' }, { key: 'b', value: 'v' }] }, policy, 'knowledge.search', 1024);
    expect(items).toEqual([
      { key: 'a', json: '{"x":1}', ttlMs: 30_000 },
      { key: 'b', json: '"v"', ttlMs: 15_000 },
    ]);
  });
  it('refuses a missing value, a bad ttl and an oversized value', () => {
    expect(errorOf(() => parseMset({ items: [{ key: 'a' }] }, policy, 's', 1024)).message).toMatch(/items\[0\]: value is required/);
    expect(errorOf(() => parseMset({ items: [{ key: 'a', value: 1, ttl: 'soon' }] }, policy, 's', 1024)).kind).toBe('invalid_ttl');
    const big = errorOf(() => parseMset({ items: [{ key: 'a', value: 'x'.repeat(20) }] }, policy, 's', 10));
    expect([big.kind, statusOf(big)]).toEqual(['too_large', 413]);
  });
});

describe('parseTx', () => {
  it.each([
    [{ op: 'set', scope: 's', key: 'k', value: 1, ttl: '10s' }, { op: 'set', scope: 's', key: 'k', json: '1', ttlMs: 10_000 }],
    [{ op: 'incr', scope: 's', key: 'n', by: 2 }, { op: 'incr', scope: 's', key: 'n', by: 2 }],
    [{ op: 'incr', scope: 's', key: 'n' }, { op: 'incr', scope: 's', key: 'n', by: 1 }],
    [{ op: 'get', scope: 's', key: 'k' }, { op: 'get', scope: 's', key: 'k' }],
    [{ op: 'del', scope: 's', key: 'k' }, { op: 'del', scope: 's', key: 'k' }],
    [{ op: 'expire', scope: 's', key: 'n', ttl: '1m' }, { op: 'expire', scope: 's', key: 'n', ttlMs: 60_000 }],
  ])('translates %j', (wire, op) => expect(parseTx({ ops: [wire] }, policy, 1024)).toEqual([op]));
  it('keeps the order of the ops', () => {
    const ops = parseTx({ ops: [{ op: 'get', scope: 's', key: 'a' }, { op: 'del', scope: 's', key: 'b' }] }, policy, 1024);
    expect(ops.map((op) => `${op.op} ${op.key}`)).toEqual(['get a', 'del b']);
  });
  it.each([
    [{ op: 'frob', scope: 's', key: 'k' }, 'invalid_op'],
    [{ op: 'get', scope: 'bad scope', key: 'k' }, 'invalid_namespace'],
    [{ op: 'incr', scope: 's', key: 'k', by: 1.5 }, 'invalid_op'],
    [{ op: 'expire', scope: 's', key: 'k' }, 'invalid_ttl'],
    [{ op: 'set', scope: 's', key: 'k' }, 'invalid_body'],
  ])('refuses %j with %s', (op, code) => expect(errorOf(() => parseTx({ ops: [op] }, policy, 1024)).code).toBe(code));
});

describe('valueJson', () => {
  it('measures bytes, not characters', () => {
    expect(() => valueJson('é'.repeat(6), 13)).toThrow(/exceeds/);
    expect(valueJson('é'.repeat(5), 12)).toBe('"ééééé"');
  });
  it('refuses a value nested deeper than JSON.stringify can recurse as a 400, not a RangeError', () => {
    const depth = 100_000;
    const deep: unknown = JSON.parse('['.repeat(depth) + ']'.repeat(depth));
    const e = errorOf(() => valueJson(deep, 1024 * 1024));
    expect(e.code).toBe('invalid_body');
    expect(statusOf(e)).toBe(400);
    expect(e.message).toMatch(/nested too deeply/);
  });
});
