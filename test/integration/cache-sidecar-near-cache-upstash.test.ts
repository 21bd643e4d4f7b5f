/**
 * The near cache over the upstash backend, which cannot invalidate: a copy is
 * served for at most CACHE_NEAR_MAX_STALENESS after it was read (an injected
 * clock moves time), writes through the sidecar still drop it at once.
 * Upstash is the REST stub backed by the real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { UpstashStore } from '#pkg/kv/index.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { startUpstashStub, type UpstashStub } from '../fixtures/upstash-stub.ts';
import { nearSidecar, type NearSidecar } from './cache-sidecar-near-cache-helpers.ts';

const prefix = `pfnu-${randomUUID().slice(0, 8)}`;
let stub: UpstashStub;
let s: NearSidecar;
let redis: Redis;
let now = 0;

beforeAll(async () => {
  stub = await startUpstashStub({ redisUrl: sharedRedisUrl() });
  const store = new UpstashStore({ url: stub.url, token: stub.token, prefix, timeoutMs: 2000 });
  s = await nearSidecar('', prefix, { store, maxStalenessMs: 1000, now: () => now, opTimeoutMs: 2000 });
  redis = new Redis(sharedRedisUrl(), { protocol: 2 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await s?.close();
  await stub?.close();
});

describe('near cache over upstash (staleness bound)', () => {
  it('serves a copy for at most the staleness bound after a write elsewhere', async () => {
    expect((await s.call('/v1/cache/acme/docs/k', { method: 'PUT', body: '"one"' })).status).toBe(204);
    expect(await s.read('/v1/cache/acme/docs/k')).toMatchObject({ status: 200, layer: 'backend', body: '"one"' });
    expect(await s.read('/v1/cache/acme/docs/k')).toMatchObject({ status: 200, layer: 'near', body: '"one"' });
    await redis.set(`${prefix}:{acme}:docs:k`, '"two"', 'PX', 60_000); // behind the sidecar's back
    now += 999;
    expect(await s.read('/v1/cache/acme/docs/k')).toMatchObject({ layer: 'near', body: '"one"' }); // the documented trade-off
    now += 1;
    expect(await s.read('/v1/cache/acme/docs/k')).toMatchObject({ layer: 'backend', body: '"two"' });
  });

  it('drops its own copy on a write through it', async () => {
    await s.call('/v1/cache/acme/docs/w', { method: 'PUT', body: '1' });
    await s.read('/v1/cache/acme/docs/w');
    expect((await s.read('/v1/cache/acme/docs/w')).layer).toBe('near');
    await s.call('/v1/cache/acme/docs/w', { method: 'PUT', body: '2' });
    expect((await s.read('/v1/cache/acme/docs/w')).body).toBe('2');
  });
});
