import { describe, expect, it } from 'vitest';
import { ConfigError } from '#pkg/config/index.ts';
import { chooseBackend, loadCacheSidecarConfig } from './config.ts';

const none = { CACHE_BACKEND: '', REDIS_URL: '', UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: '' };
const upstash = { UPSTASH_REDIS_REST_URL: 'https://x.upstash.io', UPSTASH_REDIS_REST_TOKEN: 'tok' };

describe('chooseBackend', () => {
  it('prefers upstash, then redis, then memory when unset', () => {
    expect(chooseBackend({ ...none, ...upstash, REDIS_URL: 'redis://h' }, false)).toBe('upstash');
    expect(chooseBackend({ ...none, REDIS_URL: 'redis://h' }, false)).toBe('redis');
    expect(chooseBackend(none, false)).toBe('memory');
  });

  it('honours a named backend', () => {
    expect(chooseBackend({ ...none, CACHE_BACKEND: 'memory', REDIS_URL: 'redis://h' }, true)).toBe('memory');
    expect(chooseBackend({ ...none, CACHE_BACKEND: 'redis', REDIS_URL: 'redis://h', ...upstash }, true)).toBe('redis');
  });

  it('refuses half an Upstash configuration, naming the missing variable', () => {
    const err = (() => { try { chooseBackend({ ...none, UPSTASH_REDIS_REST_URL: 'https://x' }, true); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).missing).toEqual(['UPSTASH_REDIS_REST_TOKEN']);
    expect(() => chooseBackend({ ...none, UPSTASH_REDIS_REST_TOKEN: 'secret-token' }, false)).toThrow(/UPSTASH_REDIS_REST_URL/);
  });

  it('in production, memory only by name', () => {
    expect(() => chooseBackend(none, true)).toThrow(ConfigError);
    expect(() => chooseBackend({ ...none, CACHE_BACKEND: 'redis' }, false)).toThrow(/REDIS_URL/);
  });
});

describe('loadCacheSidecarConfig', () => {
  it('has embedded defaults', () => {
    const cfg = loadCacheSidecarConfig({});
    expect(cfg).toMatchObject({ CACHE_SIDECAR_PORT: 7700, CACHE_SIDECAR_ADMIN_PORT: 9700, CACHE_OP_TIMEOUT_MS: 100, backend: 'memory', CACHE_SIDECAR_HOST: '127.0.0.1' });
  });
  it('never puts the token value in the error', () => {
    try {
      loadCacheSidecarConfig({ NODE_ENV: 'production', UPSTASH_REDIS_REST_TOKEN: 'very-secret-token' });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('very-secret-token');
      expect((err as ConfigError).missing).toEqual(['UPSTASH_REDIS_REST_URL']);
    }
  });
});

describe('CACHE_TTL_HEADER', () => {
  it('is on by default, takes off, and refuses anything else naming the variable', () => {
    expect(loadCacheSidecarConfig({ CACHE_BACKEND: 'memory' }).CACHE_TTL_HEADER).toBe('on');
    expect(loadCacheSidecarConfig({ CACHE_BACKEND: 'memory', CACHE_TTL_HEADER: 'off' }).CACHE_TTL_HEADER).toBe('off');
    expect(() => loadCacheSidecarConfig({ CACHE_BACKEND: 'memory', CACHE_TTL_HEADER: 'no' })).toThrow(/CACHE_TTL_HEADER/);
  });
});
