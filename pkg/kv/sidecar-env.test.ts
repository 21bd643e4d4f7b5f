import { describe, expect, it } from 'vitest';
import { ConfigError } from '#pkg/config/index.ts';
import { secrets } from '#pkg/log/index.ts';
import { sidecarCacheFromEnv } from './sidecar-env.ts';

describe('sidecarCacheFromEnv', () => {
  it('builds a client from the defaults', async () => {
    const cache = sidecarCacheFromEnv({});
    expect(cache.backend).toBe('sidecar');
    await cache.close();
  });

  it('registers the token as a secret', async () => {
    const cache = sidecarCacheFromEnv({ CACHE_SIDECAR_TOKEN: 'app-side-token-93kd' });
    expect(secrets.mask('Bearer app-side-token-93kd')).not.toContain('app-side-token-93kd');
    await cache.close();
  });

  it('names a bad variable without quoting it', () => {
    try {
      sidecarCacheFromEnv({ CACHE_CLIENT_TIMEOUT_MS: 'soon-ish', CACHE_SIDECAR_URL: 'not a url' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).invalid.map((i) => i.name).sort()).toEqual(['CACHE_CLIENT_TIMEOUT_MS', 'CACHE_SIDECAR_URL']);
      expect((err as Error).message).not.toContain('soon-ish');
    }
  });
});
