import type { Server } from 'node:http';
import { CacheMetrics, describeTtlPolicy, type CacheStore, type TtlPolicy } from '#pkg/kv/index.ts';
import { createServer, createAdminServer, listen, closeServer } from '#pkg/http/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import { BackendGuard } from './guard.ts';
import { DeadlineSweeper } from './deadlines.ts';
import { createDataHandler } from './data-handler.ts';
import { createUpstashHandler, UpstashTokens } from './upstash/index.ts';
import { createNearLayer, type NearCacheSettings } from './near-cache/index.ts';

export interface CacheSidecarOptions {
  store: CacheStore;
  /** The breaker's probe. Default: the store's ping under a timeout. */
  probe?: (timeoutMs: number) => Promise<void>;
  policy: TtlPolicy;
  metrics: Metrics;
  logger: Logger;
  /** Op timeout in ms: a backend answer later than this is reported `unavailable`. Default 100. */
  opTimeoutMs?: number;
  /** Bearer token demanded by the data API. Default: none. */
  token?: string;
  /** Largest value, in bytes of JSON. Default 1 MiB. */
  maxValueBytes?: number;
  /** Largest batch or transaction body. Default 16 MiB. */
  maxBatchBodyBytes?: number;
  /** Consecutive backend failures that open the breaker. Default 3. */
  breakerFailureThreshold?: number;
  /** Probe period while the breaker is open, in ms. Default 250. */
  breakerProbeIntervalMs?: number;
  /** Tokens of the Upstash REST protocol under `/upstash`, each fenced into its tenant. Default: none (every such request is 401). */
  upstashTokens?: UpstashTokens;
  /** Script bodies the Upstash protocol runs besides its built-in allowlist. */
  upstashScripts?: readonly string[];
  /** Script SHA-1s the Upstash protocol runs besides its built-in allowlist. */
  upstashScriptShas?: readonly string[];
  /** With an `upstash` store: the real Upstash the Upstash protocol's commands are forwarded to. */
  upstashBackend?: { url: string; token: string };
  /** The near cache (from `nearCacheSettings`). Default: off. */
  nearCache?: NearCacheSettings;
  /** Clock of the near cache's expiry, in ms (tests). Default `performance.now`. */
  nearCacheNow?: () => number;
  /** GET hits answer `X-Cache-TTL` (default true); false saves the redis backend the PTTL of each GET (`CACHE_TTL_HEADER=off`). */
  ttlHeader?: boolean;
}

export interface CacheSidecar {
  readonly data: Server;
  readonly admin: Server;
  readonly guard: BackendGuard;
  /** Listens; returns the bound ports (0 in options picks a free one). */
  listen(data: { port: number; host: string }, admin: { port: number; host: string }): Promise<{ dataPort: number; adminPort: number }>;
  /** Stops listening, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

export function createCacheSidecar(options: CacheSidecarOptions): CacheSidecar {
  const { store, logger } = options;
  const opTimeoutMs = options.opTimeoutMs ?? 100;
  const cacheMetrics = new CacheMetrics(options.metrics);
  const breakerState = options.metrics.gauge({
    name: 'cache_backend_up',
    help: 'Whether the cache backend is in use (1) or skipped by the open breaker (0)',
    labelNames: ['backend'],
    otel: { name: 'cache.backend.up', unit: '1', attributes: { backend: 'cache.backend' } },
  });
  breakerState.set({ backend: store.backend }, 1);
  const near = options.nearCache
    ? createNearLayer({ store, settings: options.nearCache, policy: options.policy, metrics: options.metrics, cacheMetrics, logger, now: options.nearCacheNow })
    : undefined;
  const guard = new BackendGuard({
    probe: () => {
      const timeoutMs = Math.max(opTimeoutMs, 250);
      return options.probe ? options.probe(timeoutMs) : store.ping({ signal: AbortSignal.timeout(timeoutMs) });
    },
    failureThreshold: options.breakerFailureThreshold ?? 3,
    probeIntervalMs: options.breakerProbeIntervalMs ?? 250,
    onStateChange: (state, reason) => {
      breakerState.set({ backend: store.backend }, state === 'closed' ? 1 : 0);
      // Invalidations may have been lost while the backend failed: nothing kept from before serves again.
      if (state === 'open') near?.cache.flush('breaker');
      if (state === 'open') logger.warn({ backend: store.backend, reason }, 'cache backend unavailable: serving uncached');
      else logger.info({ backend: store.backend }, 'cache backend back: serving from cache');
    },
  });
  const deadlines = new DeadlineSweeper({ timeoutMs: opTimeoutMs });
  const maxBatchBodyBytes = options.maxBatchBodyBytes ?? 16 * 1024 * 1024;
  const upstash = createUpstashHandler({
    store, tokens: options.upstashTokens ?? new UpstashTokens({}), guard, deadlines, metrics: options.metrics, logger,
    policy: options.policy, maxBodyBytes: maxBatchBodyBytes, allowedScripts: options.upstashScripts, allowedScriptShas: options.upstashScriptShas, forward: options.upstashBackend,
  });
  const data = createServer(createDataHandler({
    store, policy: options.policy, guard, deadlines, metrics: cacheMetrics, logger,
    token: options.token,
    maxValueBytes: options.maxValueBytes ?? 1024 * 1024,
    maxBatchBodyBytes,
    upstash,
    near,
    ttlHeader: options.ttlHeader,
  }));
  let serving = false;
  const admin = createAdminServer({
    metrics: options.metrics,
    // A down backend does not make the sidecar unready: it degrades to uncached.
    readiness: () => ({ ready: serving, backend: store.backend, backendState: guard.state === 'closed' ? 'up' : 'down' }),
    routes: {
      '/v1/status': () => ({
        backend: store.backend,
        breaker: guard.snapshot(),
        opTimeoutMs,
        memory: process.memoryUsage(),
        ttlPolicy: describeTtlPolicy(options.policy),
        nearCache: near ? { active: near.cache.active, bytes: near.cache.bytes, maxBytes: near.cache.maxBytes, entries: near.cache.entries } : null,
      }),
    },
  });
  return {
    data, admin, guard,
    async listen(d, a) {
      const adminPort = await listen(admin, a.port, a.host);
      const dataPort = await listen(data, d.port, d.host);
      serving = true;
      return { dataPort, adminPort };
    },
    async close() {
      serving = false;
      await closeServer(data);
      guard.stop();
      deadlines.stop();
      await near?.close();
      await store.close();
      await closeServer(admin);
    },
  };
}
