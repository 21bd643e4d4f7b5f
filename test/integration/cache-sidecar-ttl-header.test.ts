/**
 * CACHE_TTL_HEADER=off against a real Redis: GET hits leave out X-Cache-TTL,
 * and the redis backend sends GET alone (seen on Redis' MONITOR), where the
 * default sends GET and PTTL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { runSidecar, redisStore, type RunningSidecar } from './cache-sidecar-helpers.ts';

const prefix = `pft-${randomUUID().slice(0, 8)}`;
const T = '/v1/cache/acme';
let withTtl: RunningSidecar;
let withoutTtl: RunningSidecar;
let redis: Redis;
let monitor: Awaited<ReturnType<Redis['monitor']>>;
/** Commands Redis ran on this suite's keys, lower-cased, with their key. */
const seen: string[] = [];

beforeAll(async () => {
  const a = redisStore(sharedRedisUrl(), prefix);
  const b = redisStore(sharedRedisUrl(), prefix);
  await Promise.all([a.waitReady(), b.waitReady()]);
  withTtl = await runSidecar(a, { opTimeoutMs: 2000 });
  withoutTtl = await runSidecar(b, { opTimeoutMs: 2000, ttlHeader: false });
  redis = new Redis(sharedRedisUrl(), { protocol: 2 });
  monitor = await new Redis(sharedRedisUrl(), { protocol: 2 }).monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (typeof args[1] === 'string' && args[1].startsWith(`${prefix}:`)) seen.push(`${args[0].toLowerCase()} ${args[1]}`);
  });
});
afterAll(async () => {
  monitor.disconnect();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await Promise.all([withTtl.close(), withoutTtl.close()]);
});

/** Waits until MONITOR has reported a command on `key` (it streams them after they ran). */
async function commandsOn(key: string, atLeast: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const on = seen.filter((c) => c.endsWith(` ${key}`));
    if (on.length >= atLeast) return on;
    await new Promise((r) => setTimeout(r, 10));
  }
  return seen.filter((c) => c.endsWith(` ${key}`));
}

describe('CACHE_TTL_HEADER', () => {
  it('off: a hit has no X-Cache-TTL and costs Redis one GET; on (the default): X-Cache-TTL from a PTTL sent with it', async () => {
    const stored = `${prefix}:{acme}:docs:k1`;
    expect((await withTtl.call(`${T}/docs/k1?ttl=5m`, { method: 'PUT', body: '{"v":1}' })).status).toBe(204);

    const lean = await withoutTtl.call(`${T}/docs/k1`);
    expect(lean.status).toBe(200);
    expect(lean.headers.get('x-cache')).toBe('hit');
    expect(lean.headers.has('x-cache-ttl')).toBe(false);
    expect(await lean.text()).toBe('{"v":1}');
    // The PUT's SET and the GET: then nothing else on the key from this sidecar.
    const afterLean = await commandsOn(stored, 2);
    expect(afterLean).toEqual([`set ${stored}`, `get ${stored}`]);

    const full = await withTtl.call(`${T}/docs/k1`);
    expect(full.status).toBe(200);
    const ttl = Number(full.headers.get('x-cache-ttl'));
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    expect(await full.text()).toBe('{"v":1}');
    expect(await commandsOn(stored, 4)).toEqual([`set ${stored}`, `get ${stored}`, `get ${stored}`, `pttl ${stored}`]);
  });

  it('off: misses, writes and batches answer as before', async () => {
    const miss = await withoutTtl.call(`${T}/docs/absent`);
    expect(miss.status).toBe(404);
    expect(miss.headers.get('x-cache')).toBe('miss');
    const put = await withoutTtl.call(`${T}/docs/k2?ttl=30s`, { method: 'PUT', body: '[1,2]' });
    expect(put.status).toBe(204);
    expect(put.headers.get('x-cache-ttl')).toBe('30000'); // the TTL the write applied: no extra command
    const batch = await withoutTtl.call(`${T}/docs/_mget`, { method: 'POST', body: JSON.stringify({ keys: ['k2'] }), headers: { 'content-type': 'application/json' } });
    const items = (await batch.json() as { items: { hit: boolean; value: unknown; ttlMs: number }[] }).items;
    expect(items[0].hit).toBe(true);
    expect(items[0].value).toEqual([1, 2]);
    expect(items[0].ttlMs).toBeGreaterThan(25_000);
  });
});
