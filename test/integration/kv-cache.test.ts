/**
 * The app-facing Cache, in process over each backend (StoreCache) and over
 * HTTP through the real cache sidecar (SidecarCache): the same behaviour from
 * both, including `unavailable` results, never exceptions, when the backend
 * or the sidecar is down.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CacheError, CacheMetrics, MemoryStore, RedisStore, SidecarCache, StoreCache, parseTtlPolicy, type Cache, type CacheStore,
} from '#pkg/kv/index.ts';
import { createCacheSidecar, type CacheSidecar } from '#pkg/cachesidecar/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { createLogger, captureLogs } from '#pkg/log/index.ts';
import { sharedRedisUrl, startRedis, type RedisProcess } from '#test/fixtures/redis.ts';
import { freePort } from '#test/fixtures/ports.ts';
import { eventually } from '#test/fixtures/poll.ts';

const policy = parseTtlPolicy('{"default":{"ttl":"30s","min":"1s","max":"1h"},"scopes":{"knowledge.search":{"ttl":"15s","min":"5s","max":"30s"}}}');
const tenant = () => `c-${randomUUID().slice(0, 8)}`;

function cacheContract(name: string, getCache: () => Cache, opts: { knowsDeletes: boolean; knowsMsetTtls: boolean }) {
  describe(`${name} cache`, () => {
    it('answers miss, then hit with the value and its effective TTL (policy default)', async () => {
      const cache = getCache();
      const ns = { tenantKey: tenant(), scope: 'knowledge.search' };
      expect(await cache.get(ns, 'q:1')).toEqual({ status: 'miss' });
      const set = await cache.set(ns, 'q:1', { hits: ['a', 'b'], n: 2 });
      expect(set).toEqual({ status: 'ok', ttlMs: 15_000 });
      const got = await cache.get<{ hits: string[] }>(ns, 'q:1');
      expect(got.status).toBe('hit');
      if (got.status !== 'hit') return;
      expect(got.value).toEqual({ hits: ['a', 'b'], n: 2 });
      expect(got.ttlMs).toBeGreaterThan(14_000);
      expect(got.ttlMs).toBeLessThanOrEqual(15_000);
    });

    it('clamps requested TTLs to the scope policy and reports the effective one', async () => {
      const cache = getCache();
      const ns = { tenantKey: tenant(), scope: 'knowledge.search' };
      expect(await cache.set(ns, 'long', 1, 3_600_000)).toEqual({ status: 'ok', ttlMs: 30_000 });
      expect(await cache.set(ns, 'short', 1, 10)).toEqual({ status: 'ok', ttlMs: 5000 });
      expect(await cache.set({ ...ns, scope: 'other' }, 'mid', 1, 120_000)).toEqual({ status: 'ok', ttlMs: 120_000 });
    });

    it('deletes', async () => {
      const cache = getCache();
      const ns = { tenantKey: tenant(), scope: 's' };
      await cache.set(ns, 'k', 'v');
      const del = await cache.del(ns, 'k');
      expect(del.status).toBe('ok');
      if (opts.knowsDeletes && del.status === 'ok') expect(del.deleted).toBe(1);
      expect(await cache.get(ns, 'k')).toEqual({ status: 'miss' });
    });

    it('mset then mget, in order, counting hits', async () => {
      const cache = getCache();
      const ns = { tenantKey: tenant(), scope: 'knowledge.search' };
      const ms = await cache.mset(ns, [{ key: 'a', value: [1] }, { key: 'b', value: null, ttlMs: 60_000 }]);
      expect(ms.status).toBe('ok');
      if (opts.knowsMsetTtls && ms.status === 'ok') expect(ms.ttlMs).toEqual([15_000, 30_000]);
      const got = await cache.mget(ns, ['b', 'x', 'a']);
      expect(got.status).toBe('ok');
      if (got.status !== 'ok') return;
      expect(got.hits).toBe(2);
      expect(got.items.map((i) => ({ key: i.key, hit: i.hit, value: i.hit ? i.value : undefined }))).toEqual([
        { key: 'b', hit: true, value: null },
        { key: 'x', hit: false, value: undefined },
        { key: 'a', hit: true, value: [1] },
      ]);
    });

    it('runs a transaction atomically with per-op results', async () => {
      const cache = getCache();
      const t = tenant();
      const tx = await cache.transaction(t, [
        { op: 'set', scope: 's', key: 'k', value: { a: 1 }, ttlMs: 10_000 },
        { op: 'incr', scope: 's', key: 'n', by: 2 },
        { op: 'get', scope: 's', key: 'k' },
        { op: 'del', scope: 's', key: 'k' },
        { op: 'expire', scope: 's', key: 'n', ttlMs: 60_000 },
      ]);
      expect(tx.status).toBe('ok');
      if (tx.status !== 'ok') return;
      expect(tx.results[0]).toEqual({ ok: true, ttlMs: 10_000 });
      expect(tx.results[1]).toEqual({ value: 2 });
      expect(tx.results[2]).toMatchObject({ hit: true, value: { a: 1 } });
      expect(tx.results[3]).toEqual({ deleted: 1 });
      expect(tx.results[4]).toEqual({ ok: true, ttlMs: 60_000 });
    });

    it('throws wrong_type for an incr of a non-integer, applying nothing', async () => {
      const cache = getCache();
      const t = tenant();
      await cache.set({ tenantKey: t, scope: 's' }, 'text', 'hello');
      const run = cache.transaction(t, [
        { op: 'set', scope: 's', key: 'new', value: 1 },
        { op: 'incr', scope: 's', key: 'text' },
      ]);
      await expect(run).rejects.toBeInstanceOf(CacheError);
      await expect(run).rejects.toMatchObject({ kind: 'wrong_type' });
      expect(await cache.get({ tenantKey: t, scope: 's' }, 'new')).toEqual({ status: 'miss' });
    });

    it('throws a clear CacheError for bad input', async () => {
      const cache = getCache();
      await expect(cache.get({ tenantKey: 'bad/tenant', scope: 's' }, 'k')).rejects.toMatchObject({ kind: 'invalid_namespace' });
      await expect(cache.get({ tenantKey: 't', scope: 's' }, 'k'.repeat(1025))).rejects.toMatchObject({ kind: 'invalid_key' });
      await expect(cache.set({ tenantKey: 't', scope: 's' }, 'k', 1, -5)).rejects.toMatchObject({ kind: 'invalid_ttl' });
      await expect(cache.set({ tenantKey: 't', scope: 's' }, 'k', 'x'.repeat(2 * 1024 * 1024))).rejects.toMatchObject({ kind: 'too_large' });
    });
  });
}

// In process, over each backend.
const memory = new StoreCache(new MemoryStore(), { policy });
let redisCache: StoreCache;
beforeAll(async () => {
  const store = new RedisStore({ url: sharedRedisUrl(), prefix: 'kvcache' });
  await store.waitReady();
  redisCache = new StoreCache(store, { policy });
});
afterAll(async () => {
  await memory.close();
  await redisCache.close();
});
cacheContract('StoreCache(memory)', () => memory, { knowsDeletes: true, knowsMsetTtls: true });
cacheContract('StoreCache(redis)', () => redisCache, { knowsDeletes: true, knowsMsetTtls: true });

// Over HTTP, through the real sidecar with a Redis it may kill.
async function startSidecar(store: CacheStore, token?: string): Promise<{ sidecar: CacheSidecar; url: string }> {
  const sidecar = createCacheSidecar({
    store, policy, token,
    metrics: new Metrics({ defaultMetrics: false }),
    logger: createLogger({ name: 'kv-cache-test', destination: captureLogs().stream }),
    breakerProbeIntervalMs: 100,
  });
  const { dataPort } = await sidecar.listen({ port: 0, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' });
  return { sidecar, url: `http://127.0.0.1:${dataPort}` };
}

let redis: RedisProcess;
let sidecar: CacheSidecar;
let client: SidecarCache;
beforeAll(async () => {
  redis = await startRedis();
  const store = new RedisStore({ url: redis.url, commandTimeoutMs: 0, reconnectMaxMs: 200 });
  await store.waitReady();
  const started = await startSidecar(store, 'sidecar-token-for-kv-tests');
  sidecar = started.sidecar;
  client = new SidecarCache({ url: started.url, token: 'sidecar-token-for-kv-tests' });
});
afterAll(async () => {
  await client.close();
  await sidecar.close();
  await redis.stop();
});
cacheContract('SidecarCache → sidecar(redis)', () => client, { knowsDeletes: false, knowsMsetTtls: false });

describe('SidecarCache degradation', () => {
  it('answers unavailable (never throws) while the backend is down, and hits again after it returns', async () => {
    const ns = { tenantKey: tenant(), scope: 's' };
    await client.set(ns, 'k', 'before');
    await redis.kill();
    for (let i = 0; i < 5; i++) {
      const [g, s, m, ms, tx] = await Promise.all([
        client.get(ns, 'k'),
        client.set(ns, 'k', 'during'),
        client.mget(ns, ['k']),
        client.mset(ns, [{ key: 'k', value: 1 }]),
        client.transaction(ns.tenantKey, [{ op: 'get', scope: 's', key: 'k' }]),
      ]);
      for (const r of [g, s, m, ms, tx]) {
        expect(r.status).toBe('unavailable');
        if (r.status === 'unavailable') expect(r.error).toBeInstanceOf(CacheError);
      }
    }
    await redis.restart();
    await eventually(async () => (await client.set(ns, 'k', 'after')).status === 'ok' && (await client.get(ns, 'k')).status === 'hit', 'a hit after the restart', 5000);
    expect(await client.get(ns, 'k')).toMatchObject({ status: 'hit', value: 'after' });
  });

  it('answers unavailable when the sidecar itself is not there', async () => {
    const nowhere = new SidecarCache({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 200 });
    try {
      const g = await nowhere.get({ tenantKey: 't', scope: 's' }, 'k');
      expect(g.status).toBe('unavailable');
      const s = await nowhere.set({ tenantKey: 't', scope: 's' }, 'k', 1);
      expect(s.status).toBe('unavailable');
    } finally {
      await nowhere.close();
    }
  });

  it('throws for a wrong token (401), a configuration error rather than an outage', async () => {
    const wrong = new SidecarCache({ url: `http://127.0.0.1:${(sidecar.data.address() as { port: number }).port}`, token: 'not-the-token' });
    try {
      await expect(wrong.get({ tenantKey: 't', scope: 's' }, 'k')).rejects.toMatchObject({ code: 'unauthorized' });
    } finally {
      await wrong.close();
    }
  });
});

describe('StoreCache metrics and degradation', () => {
  it('records hits, misses, TTLs and unavailable results', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const store = new MemoryStore();
    const cache = new StoreCache(store, { policy, metrics: new CacheMetrics(metrics) });
    const ns = { tenantKey: 'm', scope: 'knowledge.search' };
    await cache.get(ns, 'k');
    await cache.set(ns, 'k', 1);
    await cache.get(ns, 'k');
    await store.close();
    expect((await cache.get(ns, 'k')).status).toBe('unavailable');
    const text = await metrics.text();
    expect(text).toContain('cache_requests_total{op="get",result="miss",backend="memory",scope="knowledge.search"} 1');
    expect(text).toContain('cache_requests_total{op="get",result="hit",backend="memory",scope="knowledge.search"} 1');
    expect(text).toContain('cache_requests_total{op="get",result="unavailable",backend="memory",scope="knowledge.search"} 1');
    expect(text).toContain('cache_requests_total{op="set",result="ok",backend="memory",scope="knowledge.search"} 1');
    expect(text).toContain('cache_errors_total{op="get",kind="unavailable",backend="memory"} 1');
    expect(text).toContain('cache_ttl_seconds_sum{scope="knowledge.search"} 15');
  });
});
