import { describe, expect, it } from 'vitest';
import { ConfigError } from '#pkg/config/index.ts';
import { parseTtlPolicy } from '#pkg/kv/index.ts';
import { nearCacheSettings, nearAllowed, DEFAULT_NEAR_MAX_BYTES } from './settings.ts';

const env = (over: Partial<{ CACHE_NEAR_CACHE: string; CACHE_NEAR_MAX_BYTES: number; CACHE_NEAR_MAX_STALENESS: string }> = {}) =>
  ({ CACHE_NEAR_CACHE: 'on', CACHE_NEAR_MAX_BYTES: DEFAULT_NEAR_MAX_BYTES, CACHE_NEAR_MAX_STALENESS: '', ...over });

function configError(fn: () => unknown): ConfigError {
  try { fn(); } catch (err) { if (err instanceof ConfigError) return err; throw err; }
  throw new Error('no ConfigError');
}

describe('nearCacheSettings', () => {
  it('is off unless asked for', () => {
    expect(nearCacheSettings(env({ CACHE_NEAR_CACHE: 'off' }), 'redis')).toBeUndefined();
  });

  it('with redis needs no staleness bound, and takes one', () => {
    expect(nearCacheSettings(env(), 'redis')).toEqual({ maxBytes: DEFAULT_NEAR_MAX_BYTES });
    expect(nearCacheSettings(env({ CACHE_NEAR_MAX_STALENESS: '5s', CACHE_NEAR_MAX_BYTES: 4096 }), 'redis')).toEqual({ maxBytes: 4096, maxStalenessMs: 5000 });
  });

  it('refuses upstash without a staleness bound, naming the variable', () => {
    const err = configError(() => nearCacheSettings(env(), 'upstash'));
    expect(err.invalid[0].name).toBe('CACHE_NEAR_MAX_STALENESS');
    expect(err.message).toMatch(/Upstash cannot invalidate/);
    expect(nearCacheSettings(env({ CACHE_NEAR_MAX_STALENESS: '1s' }), 'upstash')).toEqual({ maxBytes: DEFAULT_NEAR_MAX_BYTES, maxStalenessMs: 1000 });
  });

  it('refuses the memory backend and a bad staleness', () => {
    expect(configError(() => nearCacheSettings(env(), 'memory')).invalid[0].name).toBe('CACHE_NEAR_CACHE');
    expect(configError(() => nearCacheSettings(env({ CACHE_NEAR_MAX_STALENESS: 'soon' }), 'redis')).invalid[0].name).toBe('CACHE_NEAR_MAX_STALENESS');
  });
});

describe('nearAllowed (per-scope opt-in/out in the TTL policy)', () => {
  it('defaults to every scope', () => {
    expect(nearAllowed(parseTtlPolicy(undefined), 'anything')).toBe(true);
  });

  it('lets a scope opt out, or the default opt out with scopes opting in', () => {
    const out = parseTtlPolicy({ scopes: { live: { near: false }, docs: {} } });
    expect(nearAllowed(out, 'live')).toBe(false);
    expect(nearAllowed(out, 'docs')).toBe(true);
    const optIn = parseTtlPolicy({ default: { near: false }, scopes: { hot: { near: true }, other: { ttl: '10s' } } });
    expect(nearAllowed(optIn, 'hot')).toBe(true);
    expect(nearAllowed(optIn, 'other')).toBe(false);
    expect(nearAllowed(optIn, 'unlisted')).toBe(false);
  });

  it('refuses a near field that is not a boolean', () => {
    expect(() => parseTtlPolicy({ scopes: { s: { near: 'yes' as unknown as boolean } } })).toThrow(/scopes\.s\.near must be true or false/);
  });
});
