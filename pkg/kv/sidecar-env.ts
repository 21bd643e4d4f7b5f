/**
 * `sidecarCacheFromEnv()`: the SidecarCache an app container builds from its
 * environment, next to the sidecar in its pod.
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | `CACHE_SIDECAR_URL` | `http://127.0.0.1:7700` | the sidecar's data API |
 * | `CACHE_SIDECAR_TOKEN` | none | bearer token, when the sidecar demands one (a secret) |
 * | `CACHE_CLIENT_TIMEOUT_MS` | `250` | longest wait for an answer (`250`, `250ms`, `1s`) |
 */
import { duration, loadConfig, str, url } from '#pkg/config/index.ts';
import { SidecarCache } from './sidecar-client.ts';

export const sidecarClientSpec = {
  CACHE_SIDECAR_URL: url({ default: 'http://127.0.0.1:7700' }),
  CACHE_SIDECAR_TOKEN: str({ default: '' }),
  CACHE_CLIENT_TIMEOUT_MS: duration({ default: 250 }),
};

export function sidecarCacheFromEnv(env: NodeJS.ProcessEnv = process.env): SidecarCache {
  const cfg = loadConfig(sidecarClientSpec, env);
  return new SidecarCache({
    url: cfg.CACHE_SIDECAR_URL,
    token: cfg.CACHE_SIDECAR_TOKEN || undefined,
    timeoutMs: cfg.CACHE_CLIENT_TIMEOUT_MS,
  });
}
