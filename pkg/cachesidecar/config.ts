import { loadConfig, ConfigError, isProduction, str, port, host, duration, intInRange } from '#pkg/config/index.ts';
import type { BackendName } from '#pkg/kv/index.ts';
import { nearCacheSettings, DEFAULT_NEAR_MAX_BYTES } from './near-cache/settings.ts';

/** The cache sidecar's environment. Defaults are the embedded ones used by `npm start`. */
export const cacheSidecarSpec = {
  NODE_ENV: str({ default: 'development' }),
  CACHE_SIDECAR_HOST: host({ default: '127.0.0.1' }),
  CACHE_SIDECAR_PORT: port({ default: 7700 }),
  CACHE_SIDECAR_ADMIN_HOST: host({ default: '0.0.0.0' }),
  CACHE_SIDECAR_ADMIN_PORT: port({ default: 9700 }),
  CACHE_BACKEND: str({ choices: ['memory', 'redis', 'upstash', ''], default: '' }),
  REDIS_URL: str({ default: '' }),
  UPSTASH_REDIS_REST_URL: str({ default: '' }),
  UPSTASH_REDIS_REST_TOKEN: str({ default: '' }),
  CACHE_OP_TIMEOUT_MS: duration({ default: 100 }),
  CACHE_TTL_POLICY: str({ default: '' }),
  CACHE_MAX_VALUE_BYTES: intInRange(1, 64 * 1024 * 1024)({ default: 1024 * 1024 }),
  CACHE_MEMORY_MAX_BYTES: intInRange(1024, 16 * 1024 * 1024 * 1024)({ default: 64 * 1024 * 1024 }),
  CACHE_KEY_PREFIX: str({ default: 'pilotfish' }),
  CACHE_SIDECAR_TOKEN: str({ default: '' }),
  CACHE_UPSTASH_TOKENS: str({ default: '' }),
  CACHE_UPSTASH_SCRIPT_SHAS: str({ default: '' }),
  CACHE_NEAR_CACHE: str({ choices: ['off', 'on'], default: 'off' }),
  CACHE_NEAR_MAX_BYTES: intInRange(1024, 16 * 1024 * 1024 * 1024)({ default: DEFAULT_NEAR_MAX_BYTES }),
  CACHE_NEAR_MAX_STALENESS: str({ default: '' }),
  CACHE_GC_METRICS: str({ choices: ['off', 'on'], default: 'off' }),
  CACHE_TTL_HEADER: str({ choices: ['on', 'off'], default: 'on' }),
  LOG_LEVEL: str({ default: 'info' }),
};

export type CacheSidecarConfig = ReturnType<typeof loadCacheSidecarConfig>;

export function loadCacheSidecarConfig(env: NodeJS.ProcessEnv = process.env) {
  const cfg = loadConfig(cacheSidecarSpec, env);
  const backend = chooseBackend(cfg, isProduction(env));
  return { ...cfg, backend, nearCache: nearCacheSettings(cfg, backend) };
}

interface BackendInputs {
  CACHE_BACKEND: string;
  REDIS_URL: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
}

/**
 * Which backend serves: `CACHE_BACKEND` when named; otherwise `upstash` when
 * its URL and token are set, `redis` when REDIS_URL is, else `memory`. Half an
 * Upstash configuration never starts; in production `memory` must be asked for
 * by name, since a pod-local cache silently replacing a shared one is a bug.
 */
export function chooseBackend(cfg: BackendInputs, production: boolean): BackendName {
  const hasUrl = cfg.UPSTASH_REDIS_REST_URL !== '';
  const hasToken = cfg.UPSTASH_REDIS_REST_TOKEN !== '';
  if (hasUrl !== hasToken) {
    throw new ConfigError([hasUrl ? 'UPSTASH_REDIS_REST_TOKEN' : 'UPSTASH_REDIS_REST_URL'], []);
  }
  switch (cfg.CACHE_BACKEND) {
    case 'memory': return 'memory';
    case 'redis':
      if (!cfg.REDIS_URL) throw new ConfigError(['REDIS_URL'], []);
      return 'redis';
    case 'upstash':
      if (!hasUrl) throw new ConfigError(['UPSTASH_REDIS_REST_TOKEN', 'UPSTASH_REDIS_REST_URL'], []);
      return 'upstash';
  }
  if (hasUrl) return 'upstash';
  if (cfg.REDIS_URL) return 'redis';
  if (production) {
    throw new ConfigError([], [{ name: 'CACHE_BACKEND', reason: 'in production set REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN, or CACHE_BACKEND=memory explicitly' }]);
  }
  return 'memory';
}
