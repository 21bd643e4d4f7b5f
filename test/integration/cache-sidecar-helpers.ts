import { RedisStore, parseTtlPolicy, type CacheStore } from '#pkg/kv/index.ts';
import { createCacheSidecar, type CacheSidecar } from '#pkg/cachesidecar/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { createLogger, captureLogs, type CapturedLogs } from '#pkg/log/index.ts';

export interface RunningSidecar {
  sidecar: CacheSidecar;
  metrics: Metrics;
  logs: CapturedLogs;
  base: string;
  admin: string;
  /** fetch against the data API, bounded so that a hang fails the test instead of stalling it. */
  call(path: string, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  close(): Promise<void>;
}

export const TEST_POLICY = parseTtlPolicy({
  default: { ttl: '30s', min: '1s', max: '1h' },
  scopes: { 'knowledge.search': { ttl: '15s', min: '5s', max: '30s' } },
});

export function redisStore(url: string, prefix: string): RedisStore {
  return new RedisStore({ url, prefix, commandTimeoutMs: 0, reconnectMaxMs: 200 });
}

export async function runSidecar(store: CacheStore, options: { token?: string; opTimeoutMs?: number; maxValueBytes?: number; probe?: (ms: number) => Promise<void>; ttlHeader?: boolean } = {}): Promise<RunningSidecar> {
  const logs = captureLogs();
  const logger = createLogger({ name: 'cache-sidecar-test', level: 'trace', destination: logs.stream });
  const metrics = new Metrics({ defaultMetrics: false });
  const sidecar = createCacheSidecar({
    store, policy: TEST_POLICY, metrics, logger, token: options.token, probe: options.probe,
    opTimeoutMs: options.opTimeoutMs ?? 100, maxValueBytes: options.maxValueBytes ?? 1024 * 1024, breakerProbeIntervalMs: 50, ttlHeader: options.ttlHeader,
  });
  const { dataPort, adminPort } = await sidecar.listen({ port: 0, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${dataPort}`;
  const headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return {
    sidecar, metrics, logs, base, admin: `http://127.0.0.1:${adminPort}`,
    call: (path, init = {}) => fetch(base + path, {
      ...init,
      headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(init.timeoutMs ?? 2000),
    }),
    close: () => sidecar.close(),
  };
}

export function json(body: unknown): RequestInit {
  return { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}
