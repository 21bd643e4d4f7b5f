import { parseTtlPolicy, type CacheStore } from '#pkg/kv/index.ts';
import { createCacheSidecar, type CacheSidecar } from '#pkg/cachesidecar/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { createLogger, captureLogs, type CapturedLogs } from '#pkg/log/index.ts';
import { eventually } from '../fixtures/poll.ts';
import { redisStore } from './cache-sidecar-helpers.ts';

export const NEAR_POLICY = parseTtlPolicy({
  default: { ttl: '30s', min: '50ms', max: '1h' },
  scopes: { live: { near: false } },
});

export interface SidecarStatus {
  nearCache: { active: boolean; bytes: number; maxBytes: number; entries: number };
  breaker: { state: string };
}

export interface NearSidecar {
  sidecar: CacheSidecar;
  metrics: Metrics;
  logs: CapturedLogs;
  base: string;
  call(path: string, init?: RequestInit): Promise<Response>;
  /** GET, body as text: `{ status, layer, body }`. */
  read(path: string): Promise<{ status: number; layer: string | null; body: string; ttl: string | null }>;
  status(): Promise<SidecarStatus>;
  close(): Promise<void>;
}

/** A sidecar on its own redis connection with the near cache on. */
export async function nearSidecar(url: string, prefix: string, options: { maxBytes?: number; now?: () => number; opTimeoutMs?: number; store?: CacheStore; maxStalenessMs?: number } = {}): Promise<NearSidecar> {
  const store = options.store ?? redisStore(url, prefix);
  await store.waitReady?.(5000);
  const logs = captureLogs();
  const logger = createLogger({ name: 'near-cache-test', level: 'debug', destination: logs.stream });
  const metrics = new Metrics({ defaultMetrics: false });
  const sidecar = createCacheSidecar({
    store, policy: NEAR_POLICY, metrics, logger,
    opTimeoutMs: options.opTimeoutMs ?? 1000, breakerProbeIntervalMs: 50,
    nearCache: { maxBytes: options.maxBytes ?? 1024 * 1024, maxStalenessMs: options.maxStalenessMs }, nearCacheNow: options.now,
  });
  const { dataPort, adminPort } = await sidecar.listen({ port: 0, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${dataPort}`;
  const call = (path: string, init: RequestInit = {}) => fetch(base + path, { ...init, signal: AbortSignal.timeout(2000) });
  return {
    sidecar, metrics, logs, base, call,
    read: async (path) => {
      const res = await call(path);
      return { status: res.status, layer: res.headers.get('x-cache-layer'), body: await res.text(), ttl: res.headers.get('x-cache-ttl') };
    },
    status: async () => (await (await fetch(`http://127.0.0.1:${adminPort}/v1/status`, { signal: AbortSignal.timeout(2000) })).json()) as SidecarStatus,
    close: () => sidecar.close(),
  };
}

/** Waits until the near cache serves: tracking is on. */
export async function untilNearServes(s: NearSidecar): Promise<void> {
  await eventually(async () => (await s.status()).nearCache.active, 'the near cache to serve (tracking on)', 10_000, 10);
}
