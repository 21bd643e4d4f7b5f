import { describe, expect, it } from 'vitest';
import { CacheError, backendFailure, isCacheErrorKind, isDegraded } from './errors.ts';

describe('CacheError', () => {
  it('carries kind, a status per kind and a code', () => {
    const e = new CacheError('too_large', 'value exceeds 1048576 bytes');
    expect([e.kind, e.status, e.code, e.name]).toEqual(['too_large', 413, 'too_large', 'CacheError']);
    expect(new CacheError('unavailable', 'down').status).toBe(503);
    expect(new CacheError('timeout', 'slow').status).toBe(503);
    expect(new CacheError('invalid_key', 'bad').status).toBe(400);
    expect(new CacheError('wrong_type', 'x', { code: 'not_integer' }).toJSON()).toEqual({ error: { code: 'not_integer', message: 'x' } });
  });

  it('says which errors mean "go on uncached"', () => {
    expect(isDegraded(new CacheError('timeout', 't'))).toBe(true);
    expect(isDegraded(new CacheError('unavailable', 'u'))).toBe(true);
    expect(isDegraded(new CacheError('wrong_type', 'w'))).toBe(false);
    expect(isDegraded(new Error('plain'))).toBe(false);
  });

  it('sends outages and unexpected failures alike uncached, and only outages to the breaker', () => {
    const other = new CacheError('other', 'odd reply');
    expect([other.uncached, other.degraded, other.status]).toEqual([true, false, 503]);
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
