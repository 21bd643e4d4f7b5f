import { describe, expect, it } from 'vitest';
import { CacheError, backendFailure, isCacheErrorKind } from './errors.ts';

describe('CacheError', () => {
  it('carries kind and a code, and no HTTP status (each edge maps the kind)', () => {
    const e = new CacheError('too_large', 'value exceeds 1048576 bytes');
    expect([e.kind, e.code, e.name]).toEqual(['too_large', 'too_large', 'CacheError']);
    expect('status' in e).toBe(false);
    expect(new CacheError('wrong_type', 'x', { code: 'not_integer' }).toJSON()).toEqual({ error: { code: 'not_integer', message: 'x' } });
  });

  it('says which errors are an outage', () => {
    expect(new CacheError('timeout', 't').degraded).toBe(true);
    expect(new CacheError('unavailable', 'u').degraded).toBe(true);
    expect(new CacheError('wrong_type', 'w').degraded).toBe(false);
  });

  it('sends outages and unexpected failures alike uncached, and only outages to the breaker', () => {
    const other = new CacheError('other', 'odd reply');
    expect([other.uncached, other.degraded]).toEqual([true, false]);
    expect(new CacheError('timeout', 't').uncached).toBe(true);
    expect(new CacheError('wrong_type', 'w').uncached).toBe(false);
    expect(new CacheError('invalid_key', 'k').uncached).toBe(false);
  });

  it('turns any backend failure into a CacheError, keeping one that is already', () => {
    const plain = new TypeError('boom');
    const wrapped = backendFailure(plain);
    expect([wrapped.kind, wrapped.cause]).toEqual(['other', plain]);
    const own = new CacheError('wrong_type', 'w');
    expect(backendFailure(own)).toBe(own);
  });

  it('knows its kinds by name only', () => {
    expect(isCacheErrorKind('wrong_type')).toBe(true);
    expect(isCacheErrorKind('payload_too_large')).toBe(false);
    expect(isCacheErrorKind('constructor')).toBe(false);
  });
});
