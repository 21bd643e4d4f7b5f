/**
 * The near cache's coherence across sidecars: two sidecars on one real Redis,
 * the near cache on in both. A write through one, or by any other Redis
 * client, reaches the other's near cache through Redis' client tracking
 * (long before the copy's own TTL could end it), over many keys and rounds
 * (how fast is a figure to measure, not to assert); writes through a sidecar
 * drop its own copy at once; entries never outlive their TTL; the byte bound holds
 * under churn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { metricValue } from '../fixtures/queue-helpers.ts';
import { eventually } from '../fixtures/poll.ts';
import { nearSidecar, untilNearServes, type NearSidecar } from './cache-sidecar-near-cache-helpers.ts';

const prefix = `pfn-${randomUUID().slice(0, 8)}`;
/**
 * How long a test waits for another sidecar's write to reach a copy: well short of the copies' TTLs
 * (30 s default, 60 s for the redis-cli writes), so only an invalidation can make a stale copy go.
 */
const INVALIDATED_WITHIN_MS = 10_000;
/** Polls `check` as fast as the sidecar answers, until it holds (no wall-clock bound is asserted). */
const seen = (check: () => Promise<boolean>, what: string) => eventually(check, what, INVALIDATED_WITHIN_MS, 1);
let a: NearSidecar;
let b: NearSidecar;
let redis: Redis;

beforeAll(async () => {
  [a, b] = await Promise.all([nearSidecar(sharedRedisUrl(), prefix), nearSidecar(sharedRedisUrl(), prefix)]);
  await Promise.all([untilNearServes(a), untilNearServes(b)]);
  redis = new Redis(sharedRedisUrl(), { protocol: 2 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await Promise.all([a?.close(), b?.close()]);
});

const path = (key: string, scope = 'docs') => `/v1/cache/acme/${scope}/${key}`;
const stored = (key: string, scope = 'docs') => `${prefix}:{acme}:${scope}:${key}`;

/** Reads through `s` until its near cache serves `body` (the second read of a key fills then hits). */
async function warm(s: NearSidecar, key: string, body: string): Promise<void> {
  const first = await s.read(path(key));
  expect(first.status).toBe(200);
  expect(first.body).toBe(body);
  const second = await s.read(path(key));
  expect(second).toMatchObject({ status: 200, layer: 'near', body });
}

describe('coherence between two sidecars', () => {
  it('a PUT through one is seen by the other, over many keys, repeatedly', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `put-${i}`);
    for (const key of keys) expect((await a.call(path(key), { method: 'PUT', body: '{"v":0}' })).status).toBe(204);
    for (const key of keys) await warm(b, key, '{"v":0}');
    const before = await metricValue(b.metrics, 'cache_near_invalidations_total', { source: 'redis' });
    for (let round = 1; round <= 4; round++) {
      for (const key of keys) {
        const body = `{"v":${round}}`;
        expect((await a.call(path(key), { method: 'PUT', body })).status).toBe(204);
        await seen(async () => (await b.read(path(key))).body === body, `${key} round ${round} through b`);
        // Read again: the new value is in B's near cache for the next round to invalidate.
        await seen(async () => (await b.read(path(key))).layer === 'near', `${key} round ${round} in b's near cache`);
      }
    }
    expect(await metricValue(b.metrics, 'cache_near_invalidations_total', { source: 'redis' })).toBeGreaterThanOrEqual(before + keys.length * 4);
    expect(await metricValue(b.metrics, 'cache_near_hits_total', { scope: 'docs' })).toBeGreaterThanOrEqual(keys.length * 5);
  });

  it('many near hits in flight at once (answered together at the turn\'s end) each get their own key\'s value and headers', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    for (const key of keys) expect((await a.call(path(key), { method: 'PUT', body: JSON.stringify({ key }) })).status).toBe(204);
    for (const key of keys) await warm(b, key, JSON.stringify({ key }));
    const reads = await Promise.all(Array.from({ length: 200 }, (_, i) => keys[i % keys.length]).map(async (key) => ({ key, got: await b.read(path(key)) })));
    for (const { key, got } of reads) {
      expect(got).toMatchObject({ status: 200, layer: 'near', body: JSON.stringify({ key }) });
      expect(Number(got.ttl)).toBeGreaterThan(0);
    }
  });

  it('a DELETE through one is seen by the other', async () => {
    for (let round = 0; round < 3; round++) {
      const keys = Array.from({ length: 15 }, (_, i) => `del-${round}-${i}`);
      for (const key of keys) {
        expect((await a.call(path(key), { method: 'PUT', body: '"here"' })).status).toBe(204);
        await warm(b, key, '"here"');
      }
      for (const key of keys) {
        expect((await a.call(path(key), { method: 'DELETE' })).status).toBe(204);
        await seen(async () => (await b.read(path(key))).status === 404, `${key} deleted, through b`);
      }
    }
  });

  it('a SET by another Redis client (as redis-cli would) is seen by both', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `cli-${i}`);
    for (const key of keys) {
      await redis.set(stored(key), '"old"', 'PX', 60_000);
      await warm(a, key, '"old"');
      await warm(b, key, '"old"');
    }
    for (let round = 0; round < 3; round++) {
      for (const key of keys) {
        const body = `"new-${round}"`;
        await redis.set(stored(key), body, 'PX', 60_000);
        for (const s of [a, b]) await seen(async () => (await s.read(path(key))).body === body, `${key} round ${round}`);
        for (const s of [a, b]) await seen(async () => (await s.read(path(key))).layer === 'near', `${key} round ${round} in the near cache`);
      }
    }
  });

  it('an UNLINK by another client is seen (FLUSHALL is tested on a Redis of its own)', async () => {
    await redis.set(stored('flush-me'), '1', 'PX', 60_000);
    await warm(b, 'flush-me', '1');
    await redis.unlink(stored('flush-me'));
    await seen(async () => (await b.read(path('flush-me'))).status === 404, 'flush-me unlinked, through b');
  });
});

describe('writes through a sidecar drop its own copy at once', () => {
  it('PUT, DELETE, _mset and _tx: the next read through the same sidecar sees the write', async () => {
    await a.call(path('own'), { method: 'PUT', body: '1' });
    await warm(a, 'own', '1');
    await a.call(path('own'), { method: 'PUT', body: '2' });
    expect((await a.read(path('own'))).body).toBe('2');
    await warm(a, 'own', '2');
    await a.call(path('own'), { method: 'DELETE' });
    expect((await a.read(path('own'))).status).toBe(404);

    await a.call(path('m1'), { method: 'PUT', body: '1' });
    await warm(a, 'm1', '1');
    const mset = await a.call('/v1/cache/acme/docs/_mset', { method: 'POST', body: JSON.stringify({ items: [{ key: 'm1', value: 2 }] }) });
    expect(mset.status).toBe(204);
    expect((await a.read(path('m1'))).body).toBe('2');

    await warm(a, 'm1', '2');
    const tx = await a.call('/v1/cache/acme/_tx', { method: 'POST', body: JSON.stringify({ ops: [{ op: 'incr', scope: 'docs', key: 'm1', by: 5 }] }) });
    expect(tx.status).toBe(200);
    expect((await a.read(path('m1'))).body).toBe('7');
    expect(await metricValue(a.metrics, 'cache_near_invalidations_total', { source: 'write' })).toBeGreaterThan(0);
  });
});

describe('TTL and scope policy', () => {
  it('a copy stops being served when its Redis TTL ends', async () => {
    await a.call(path('short') + '?ttl=300ms', { method: 'PUT', body: '"brief"' });
    await warm(b, 'short', '"brief"');
    // Poll Redis itself until the key is gone; from then on the sidecar must not answer a hit. A real TTL,
    // so real time; a loop of its own rather than `eventually`, which would retry a failed assertion.
    let gone = false;
    while (!gone) {
      const hit = await b.read(path('short'));
      gone = (await redis.pttl(stored('short'))) === -2;
      // Redis answers PTTL 0 in the key's last millisecond: a hit then says 0, never -1 (no expiry).
      if (hit.status === 200) expect(Number(hit.ttl)).toBeGreaterThanOrEqual(0);
      if (gone) expect((await b.read(path('short'))).status).toBe(404);
      else await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('keeps the absolute expiry (injected clock): a copy is not served past the TTL read with it', async () => {
    let now = 0;
    const c = await nearSidecar(sharedRedisUrl(), prefix, { now: () => now });
    try {
      await untilNearServes(c);
      await a.call(path('clocked') + '?ttl=10s', { method: 'PUT', body: '"t"' });
      await warm(c, 'clocked', '"t"');
      now += 5_000;
      const mid = await c.read(path('clocked'));
      expect(mid.layer).toBe('near');
      expect(Number(mid.ttl)).toBeLessThanOrEqual(5_000);
      now += 5_000;
      // Redis still holds the key (real time barely moved): the copy's own expiry sends the read to the backend.
      expect((await c.read(path('clocked'))).layer).toBe('backend');
    } finally {
      await c.close();
    }
  });

  it('a scope opted out in the policy always reads the backend', async () => {
    await a.call(path('x', 'live'), { method: 'PUT', body: '1' });
    for (let i = 0; i < 3; i++) expect((await b.read(path('x', 'live'))).layer).toBe('backend');
  });
});

describe('memory', () => {
  it('stays within CACHE_NEAR_MAX_BYTES under key churn', async () => {
    const maxBytes = 64 * 1024;
    const c = await nearSidecar(sharedRedisUrl(), prefix, { maxBytes });
    try {
      await untilNearServes(c);
      const value = JSON.stringify('x'.repeat(1000));
      // 150 values of 1 KB against a 64 KB bound: most must be evicted on the way.
      const keys = Array.from({ length: 150 }, (_, i) => `churn-${i}`);
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.set(stored(key), value, 'PX', 60_000);
      await pipeline.exec();
      let peak = 0;
      let nearHits = 0;
      for (const [i, key] of keys.entries()) {
        for (let n = 0; n < 2; n++) if ((await c.read(path(key))).layer === 'near') nearHits++;
        if (i % 10 === 9) peak = Math.max(peak, (await c.status()).nearCache.bytes);
      }
      expect(nearHits).toBeGreaterThan(0);
      expect(peak).toBeGreaterThan(maxBytes / 2);
      expect(peak).toBeLessThanOrEqual(maxBytes);
      expect(await metricValue(c.metrics, 'cache_near_bytes')).toBeLessThanOrEqual(maxBytes);
    } finally {
      await c.close();
    }
  });
});
