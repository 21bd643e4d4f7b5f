import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { Redis as UpstashRedis } from '@upstash/redis';
import { MemoryStore, type CacheStore } from '#pkg/kv/index.ts';
import { createCacheSidecar, parseUpstashTokens, type CacheSidecar } from '#pkg/cachesidecar/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { createLogger, captureLogs, type CapturedLogs } from '#pkg/log/index.ts';
import { startRedis, type RedisProcess } from '../fixtures/redis.ts';
import { TEST_POLICY, redisStore } from './cache-sidecar-helpers.ts';

export interface UpstashSidecar {
  sidecar: CacheSidecar;
  /** `http://127.0.0.1:<port>/upstash`: what UPSTASH_REDIS_REST_URL is set to. */
  url: string;
  base: string;
  admin: string;
  logs: CapturedLogs;
  /** Token of each tenant, by tenant name. */
  tokens: Record<string, string>;
  close(): Promise<void>;
}

export interface TenantGrant { tenant: string; trusted?: boolean; scope?: string; defaultTtl?: boolean }

/** A sidecar on `store` (Redis by default, on the given key prefix) with one token per grant. */
export async function runUpstashSidecar(options: {
  redisUrl: string; prefix: string; grants: TenantGrant[]; store?: CacheStore; opTimeoutMs?: number; scripts?: string[];
  upstashBackend?: { url: string; token: string };
  /** Largest request body; default the sidecar's (16 MiB). */
  maxBodyBytes?: number;
}): Promise<UpstashSidecar> {
  const tokens: Record<string, string> = {};
  const config: Record<string, object> = {};
  for (const g of options.grants) {
    const token = `tok-${g.tenant}-${randomUUID()}`;
    tokens[g.tenant] = token;
    config[token] = { tenant: g.tenant, ...(g.trusted ? { trusted: true } : {}), ...(g.scope ? { scope: g.scope } : {}), ...(g.defaultTtl ? { defaultTtl: true } : {}) };
  }
  const store = options.store ?? redisStore(options.redisUrl, options.prefix);
  if (!(store instanceof MemoryStore)) await store.waitReady?.(5000);
  const logs = captureLogs();
  const sidecar = createCacheSidecar({
    store, policy: TEST_POLICY, metrics: new Metrics({ defaultMetrics: false }),
    logger: createLogger({ name: 'upstash-test', level: 'trace', destination: logs.stream }),
    opTimeoutMs: options.opTimeoutMs ?? 500, breakerProbeIntervalMs: 50, maxBatchBodyBytes: options.maxBodyBytes,
    upstashTokens: parseUpstashTokens(JSON.stringify(config)), upstashScripts: options.scripts, upstashBackend: options.upstashBackend,
  });
  const { dataPort, adminPort } = await sidecar.listen({ port: 0, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${dataPort}`;
  return { sidecar, url: `${base}/upstash`, base, admin: `http://127.0.0.1:${adminPort}`, logs, tokens, close: () => sidecar.close() };
}

type SidecarOptions = Parameters<typeof runUpstashSidecar>[0];

/**
 * One sidecar for a whole test file, on the shared Redis, and a direct
 * connection to look at what it stored; the file's keys (under `prefix`) are
 * removed afterwards. Read the fields in hooks and tests, once `beforeAll` ran.
 */
export function upstashSidecarForFile(options: SidecarOptions): { sidecar: UpstashSidecar; direct: Redis } {
  const file = {} as { sidecar: UpstashSidecar; direct: Redis };
  beforeAll(async () => {
    file.sidecar = await runUpstashSidecar(options);
    file.direct = new Redis(options.redisUrl, { protocol: 2 });
  });
  afterAll(async () => {
    const keys = await file.direct.keys(`${options.prefix}:*`);
    if (keys.length) await file.direct.del(...keys);
    file.direct.disconnect();
    await file.sidecar.close();
  });
  return file;
}

/**
 * A Redis of its own (to kill or pause), a sidecar on it with one tenant
 * (`acme`) and a 100 ms op deadline, and acme's client, which has written
 * `k` = `v1`. Everything is stopped by the returned cleanups, in reverse.
 */
export async function upstashSidecarOnOwnRedis(cleanups: (() => Promise<unknown>)[]): Promise<{ redis: RedisProcess; sidecar: UpstashSidecar; client: UpstashRedis }> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const sidecar = await runUpstashSidecar({ redisUrl: redis.url, prefix: 'pfupf', grants: [{ tenant: 'acme' }], store: redisStore(redis.url, 'pfupf'), opTimeoutMs: 100 });
  cleanups.push(() => sidecar.close());
  const client = upstashClient(sidecar, 'acme');
  if (await client.set('k', 'v1') !== 'OK') throw new Error('the sidecar did not take the first write');
  return { redis, sidecar, client };
}

export interface ClientOptions { autoPipelining?: boolean; base64?: boolean; telemetry?: boolean }

/** The real @upstash/redis client, configured as an app in a pod would be (one bounded retry, a deadline per request). */
export function upstashClient(s: UpstashSidecar, tenant: string, o: ClientOptions = {}): UpstashRedis {
  return new UpstashRedis({
    url: s.url,
    token: s.tokens[tenant],
    enableAutoPipelining: o.autoPipelining ?? false,
    enableTelemetry: o.telemetry ?? false,
    responseEncoding: o.base64 === false ? false : 'base64',
    retry: { retries: 0 },
    signal: () => AbortSignal.timeout(3000),
  });
}

/** A raw Upstash REST call, for what the client cannot express (bad tokens, the path form, refused commands). */
export async function rest(s: UpstashSidecar, path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<{ status: number; body: unknown; syncToken: string | null }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? Object.values(s.tokens)[0]}`;
  const res = await fetch(s.base + path, {
    method: init.method ?? 'POST', headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    signal: AbortSignal.timeout(3000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, syncToken: res.headers.get('upstash-sync-token') };
}
