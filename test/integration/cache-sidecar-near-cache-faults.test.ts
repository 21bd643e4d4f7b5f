/**
 * The near cache when Redis or the invalidation channel fails, on a
 * redis-server of the test's own: killed and restarted (no stale value is
 * served after it comes back), FLUSHALL, the invalidation connection killed
 * under a write, and a breaker trip. Each must flush the near cache before it
 * serves again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RedisProcess } from '../fixtures/redis.ts';
import { eventually, metricValue } from '../fixtures/queue-helpers.ts';
import { nearSidecar, untilNearServes, type NearSidecar } from './cache-sidecar-near-cache-helpers.ts';

const prefix = 'pfnf';
let redisProc: RedisProcess;
let a: NearSidecar;
let b: NearSidecar;
let redis: Redis;

beforeAll(async () => {
  redisProc = await startRedis();
  [a, b] = await Promise.all([nearSidecar(redisProc.url, prefix, { opTimeoutMs: 200 }), nearSidecar(redisProc.url, prefix, { opTimeoutMs: 200 })]);
  await Promise.all([untilNearServes(a), untilNearServes(b)]);
  redis = new Redis(redisProc.url, { protocol: 2, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on('error', () => {}); // refused while the test's Redis is down on purpose
});
afterAll(async () => {
  redis?.disconnect();
  await Promise.all([a?.close(), b?.close()]);
  await redisProc?.stop();
});

const path = (key: string) => `/v1/cache/acme/docs/${key}`;
const stored = (key: string) => `${prefix}:{acme}:docs:${key}`;

async function warm(s: NearSidecar, key: string, body: string): Promise<void> {
  await eventually(async () => ((await s.read(path(key))).body === body && (await s.read(path(key))).layer === 'near') || undefined, `${key} served near`, 5000);
}

describe('Redis killed and restarted', () => {
  it('serves no stale value after it comes back, and tracks again', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    for (const key of keys) {
      expect((await a.call(path(key), { method: 'PUT', body: '"before"' })).status).toBe(204);
      await warm(b, key, '"before"');
    }
    await redisProc.kill();
    // Readers hammer B through the outage and the restart: not one may see "before" again.
    const seen: string[] = [];
    let reading = true;
    const readers = Promise.all([0, 1, 2].map(async () => {
      while (reading) {
        for (const key of keys) {
          try {
            const r = await b.read(path(key));
            if (r.status === 200) seen.push(r.body);
          } catch { /* a refused connection is not a stale value */ }
        }
      }
    }));
    await redisProc.restart();
    // Another client writes new values the moment Redis is back: no persistence, so "before" is gone from Redis.
    await eventually(async () => (await redis.ping()) === 'PONG' || undefined, 'redis back', 5000);
    for (const key of keys.slice(0, 5)) await redis.set(stored(key), '"after"', 'PX', 60_000);
    await untilNearServes(b);
    for (const key of keys.slice(0, 5)) await warm(b, key, '"after"');
    reading = false;
    await readers;
    expect(seen).not.toContain('"before"');
    for (const key of keys.slice(5)) expect((await b.read(path(key))).status).toBe(404);
    expect(await metricValue(b.metrics, 'cache_near_flushes_total', { reason: 'connection' })).toBeGreaterThanOrEqual(1);

    // Tracking is on again, redirected to the new subscriber: a write elsewhere reaches B. Its copy lives 60 s,
    // so only the invalidation can make the new value appear (how fast: bench:cache's invalidation row).
    await redis.set(stored('k0'), '"again"', 'PX', 60_000);
    await eventually(async () => (await b.read(path('k0'))).body === '"again"', 'the write to reach B', 10_000, 5);
  });
});

describe('invalidation channel faults', () => {
  it('FLUSHALL (a null invalidation) empties the near cache', async () => {
    await redis.set(stored('f'), '1', 'PX', 60_000);
    await warm(b, 'f', '1');
    const before = await metricValue(b.metrics, 'cache_near_flushes_total', { reason: 'redis_flush' });
    await redis.flushall();
    await eventually(async () => (await b.read(path('f'))).status === 404, 'FLUSHALL to reach B', 10_000, 5);
    expect(await metricValue(b.metrics, 'cache_near_flushes_total', { reason: 'redis_flush' })).toBeGreaterThan(before);
  });

  it('the invalidation connection killed: flushed at once, so a write in the gap is never missed', async () => {
    for (let round = 0; round < 3; round++) {
      await redis.set(stored('gap'), `"v${round}"`, 'PX', 60_000);
      await warm(b, 'gap', `"v${round}"`);
      // Kill every invalidation subscriber (both sidecars'), then write while they are gone: Redis has nobody to tell.
      await redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await redis.set(stored('gap'), `"w${round}"`, 'PX', 60_000);
      const r = await b.read(path('gap'));
      expect(r.body).toBe(`"w${round}"`);
      await untilNearServes(b);
      await warm(b, 'gap', `"w${round}"`);
    }
    expect(await metricValue(b.metrics, 'cache_near_flushes_total', { reason: 'connection' })).toBeGreaterThanOrEqual(3);
  });

  it('a breaker trip flushes the near cache before it serves again', async () => {
    await redis.set(stored('br'), '"one"', 'PX', 60_000);
    await warm(b, 'br', '"one"');
    redisProc.pause();
    try {
      // Reads of uncached keys time out until the breaker opens.
      await eventually(async () => {
        if ((await b.status()).breaker.state === 'open') return true;
        await b.read(path(`miss-${Math.random()}`));
        return undefined;
      }, 'breaker open', 10_000);
      expect((await b.status()).nearCache.entries).toBe(0);
      expect((await b.read(path('br'))).status).toBe(503);
    } finally {
      redisProc.resume();
    }
    expect(await metricValue(b.metrics, 'cache_near_flushes_total', { reason: 'breaker' })).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await b.read(path('br'))).status === 200 || undefined, 'breaker closed', 10_000);
    await warm(b, 'br', '"one"');
  });
});
