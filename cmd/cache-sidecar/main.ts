import { loadCacheSidecarConfig, createCacheSidecar, createStore, parseUpstashTokens, parseScriptShas } from '#pkg/cachesidecar/index.ts';
import { parseTtlPolicy } from '#pkg/kv/index.ts';
import { createLogger, secrets } from '#pkg/log/index.ts';
import { Metrics, startTelemetry } from '#pkg/metrics/index.ts';
import { onShutdown, runMain } from '#pkg/http/index.ts';

await runMain(async () => {
  const cfg = loadCacheSidecarConfig();
  secrets.add(cfg.UPSTASH_REDIS_REST_TOKEN);
  secrets.add(cfg.CACHE_SIDECAR_TOKEN);
  secrets.addUrlPassword(cfg.REDIS_URL);
  const upstashTokens = parseUpstashTokens(cfg.CACHE_UPSTASH_TOKENS);
  for (const token of upstashTokens.tokens) secrets.add(token);
  const logger = createLogger({ name: 'cache-sidecar', level: cfg.LOG_LEVEL });
  const telemetry = await startTelemetry({ serviceName: 'pilotfish-cache-sidecar' });
  // Off by default: Node's per-collection GC entries cost the GET hit path 14 % of its CPU (docs/cache-sidecar.md).
  const metrics = new Metrics({ meter: telemetry.meter, gcMetrics: cfg.CACHE_GC_METRICS === 'on' });
  const policy = parseTtlPolicy(cfg.CACHE_TTL_POLICY || undefined);
  const { store, probe } = await createStore(cfg, logger);
  // Without an offline queue, requests before the first connection would fail
  // and could open the breaker at once: give the backend a moment, then serve
  // anyway (degraded) if it is not there.
  await store.waitReady?.(2000).catch(() => logger.warn({ backend: store.backend }, 'cache backend not ready at start-up: serving uncached until it is'));
  const sidecar = createCacheSidecar({
    store, probe, policy, metrics, logger,
    opTimeoutMs: cfg.CACHE_OP_TIMEOUT_MS,
    token: cfg.CACHE_SIDECAR_TOKEN || undefined,
    upstashTokens,
    upstashScriptShas: parseScriptShas(cfg.CACHE_UPSTASH_SCRIPT_SHAS),
    upstashBackend: cfg.backend === 'upstash' ? { url: cfg.UPSTASH_REDIS_REST_URL, token: cfg.UPSTASH_REDIS_REST_TOKEN } : undefined,
    maxValueBytes: cfg.CACHE_MAX_VALUE_BYTES,
    nearCache: cfg.nearCache,
    ttlHeader: cfg.CACHE_TTL_HEADER === 'on',
  });
  const ports = await sidecar.listen(
    { host: cfg.CACHE_SIDECAR_HOST, port: cfg.CACHE_SIDECAR_PORT },
    { host: cfg.CACHE_SIDECAR_ADMIN_HOST, port: cfg.CACHE_SIDECAR_ADMIN_PORT },
  );
  logger.info({ backend: store.backend, ...ports, auth: Boolean(cfg.CACHE_SIDECAR_TOKEN) }, 'cache sidecar listening');
  onShutdown([() => sidecar.close(), () => telemetry.shutdown()], logger);
});
