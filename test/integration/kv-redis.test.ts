import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore, type CacheError } from '#pkg/kv/index.ts';
import { sharedRedisUrl, startRedis, type RedisProcess } from '#test/fixtures/redis.ts';
import { storeContract } from './kv-contract.ts';

let store: RedisStore;
beforeAll(async () => {
  store = new RedisStore({ url: sharedRedisUrl(), prefix: 'kvtest' });
  await store.waitReady();
});
afterAll(() => store.close());

storeContract('redis', () => store);

describe('redis store', () => {
  it('stores keys in the documented form, one hash tag per tenant', async () => {
    const raw = new Redis(sharedRedisUrl(), { protocol: 2 });
    try {
      await store.set({ tenantKey: 'layout-t', scope: 'sc' }, 'a:b', '"v"', 10_000);
      expect(await raw.get('kvtest:{layout-t}:sc:a:b')).toBe('"v"');
      const pttl = await raw.pttl('kvtest:{layout-t}:sc:a:b');
      expect(pttl).toBeGreaterThan(9000);
    } finally {
      raw.disconnect();
    }
  });

  it('reports wrong_type when a key holds another Redis type', async () => {
    const raw = new Redis(sharedRedisUrl(), { protocol: 2 });
    try {
      await raw.rpush('kvtest:{wt}:s:list', 'x');
      await expect(store.get({ tenantKey: 'wt', scope: 's' }, 'list')).rejects.toMatchObject({ kind: 'wrong_type' });
      await expect(store.transaction('wt', [{ op: 'incr', scope: 's', key: 'list', by: 1 }])).rejects.toMatchObject({ kind: 'wrong_type' });
      expect(await raw.lrange('kvtest:{wt}:s:list', 0, -1)).toEqual(['x']);
    } finally {
      await raw.del('kvtest:{wt}:s:list');
      raw.disconnect();
    }
  });

  it('getBytesValidated answers what getBytes answers, and a GET refused while its PTTL succeeds still rejects', async () => {
    const ns = { tenantKey: 'gbv', scope: 's' };
    await store.set(ns, 'k', '{"a":1}', 10_000);
    const entry = await store.getBytesValidated('gbv', 's', 'k');
    expect(entry?.bytes.toString()).toBe('{"a":1}');
    expect(entry?.ttlMs).toBeGreaterThan(9000);
    expect(await store.getBytesValidated('gbv', 's', 'missing')).toBeNull();
    await store.set(ns, 'forever', '1', 10_000);
    const raw = new Redis(sharedRedisUrl(), { protocol: 2 });
    try {
      await raw.persist('kvtest:{gbv}:s:forever');
      expect((await store.getBytesValidated('gbv', 's', 'forever'))?.ttlMs).toBe(-1);
      // WRONGTYPE on GET, a number from PTTL: the GET's error must win.
      await raw.rpush('kvtest:{gbv}:s:list', 'x');
      await raw.pexpire('kvtest:{gbv}:s:list', 10_000);
      await expect(store.getBytesValidated('gbv', 's', 'list')).rejects.toMatchObject({ kind: 'wrong_type' });
    } finally {
      await raw.del('kvtest:{gbv}:s:list', 'kvtest:{gbv}:s:forever');
      raw.disconnect();
    }
  });

  it('reports connected once ready', () => {
    expect(store.status()).toBe('connected');
  });
});

describe('redis store when Redis dies', () => {
  let redis: RedisProcess;
  let victim: RedisStore;
  beforeAll(async () => {
    redis = await startRedis();
    victim = new RedisStore({ url: redis.url, commandTimeoutMs: 200, reconnectMaxMs: 200 });
    await victim.waitReady();
  });
  afterAll(async () => {
    await victim.close();
    await redis.stop();
  });

  const ns = { tenantKey: 'kill', scope: 's' };
  const everyOp = (s: RedisStore) => [
    s.get(ns, 'k'),
    s.getBytes(ns, 'k'),
    s.set(ns, 'k', '1', 10_000),
    s.del(ns, 'k'),
    s.mget(ns, ['k', 'j']),
    s.mset(ns, [{ key: 'k', json: '1', ttlMs: 10_000 }]),
    s.transaction('kill', [{ op: 'incr', scope: 's', key: 'n', by: 1 }]),
    s.ping(),
  ];

  it('answers every op unavailable (never hangs) while Redis is down, under load, and resumes after restart', async () => {
    await victim.set(ns, 'k', '"before"', 60_000);
    // Load in flight when Redis is killed.
    const inflight = Array.from({ length: 200 }, () => victim.get(ns, 'k').then(() => 'ok', (e: CacheError) => e.kind));
    await redis.kill();
    const outcomes = await Promise.all(inflight);
    expect(outcomes.every((o) => o === 'ok' || o === 'unavailable' || o === 'timeout')).toBe(true);

    // While down: every op rejects with a CacheError that says unavailable (or timeout), none hangs,
    // and still after each of the next reconnect attempts.
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(everyOp(victim));
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect(['unavailable', 'timeout']).toContain((r as PromiseRejectedResult).reason.kind);
      }
      await new Promise((r) => victim.client.once('reconnecting', r));
    }
    expect(victim.status()).toBe('down');

    await redis.restart();
    await victim.waitReady(5000);
    expect(victim.status()).toBe('connected');
    await victim.set(ns, 'k', '"after"', 60_000);
    expect((await victim.get(ns, 'k'))?.json).toBe('"after"');
  });

  it('answers unavailable before the first connection when Redis is not there', async () => {
    const early = new RedisStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
    try {
      const results = await Promise.allSettled(everyOp(early));
      for (const r of results) expect((r as PromiseRejectedResult).reason.kind).toBe('unavailable');
      expect(early.status()).not.toBe('connected');
    } finally {
      await early.close();
    }
  });

  it('rejects mset as a whole when Redis refuses writes (OOM): nothing applied', async () => {
    const admin = new Redis(redis.url, { protocol: 2 });
    try {
      await admin.set('{oom}:probe', 'x');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      const run = victim.mset({ tenantKey: 'oom', scope: 's' }, [{ key: 'a', json: '1', ttlMs: 10_000 }, { key: 'b', json: '2', ttlMs: 10_000 }]);
      await expect(run).rejects.toMatchObject({ kind: 'unavailable' });
      await admin.config('SET', 'maxmemory', '0');
      expect(await victim.mget({ tenantKey: 'oom', scope: 's' }, ['a', 'b'])).toEqual([null, null]);
    } finally {
      await admin.config('SET', 'maxmemory', '0').catch(() => {});
      admin.disconnect();
    }
  });
});

describe('redis key isolation (property-based, on real Redis)', () => {
  it('distinct (tenant, scope, key) never share a stored entry', async () => {
    const fc = (await import('fast-check')).default;
    const name = fc.string({ unit: fc.constantFrom(...'ab.-_Z9'.split('')), minLength: 1, maxLength: 6 }).map((t) => `prop${t}`);
    const key = fc.string({ unit: fc.oneof(fc.constantFrom(':', '{', '}', 'a', 'b'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 8 });
    const entry = fc.record({ tenantKey: name, scope: name, key });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entry, { minLength: 2, maxLength: 12, selector: (e) => JSON.stringify(e) }), async (entries) => {
        run++;
        // A fresh tenant suffix per run: nothing left over from an earlier run can answer.
        const ns = (e: { tenantKey: string; scope: string }) => ({ tenantKey: `${e.tenantKey}.r${run}`, scope: e.scope });
        await Promise.all(entries.map((e, i) => store.set(ns(e), e.key, String(i), 60_000)));
        const got = await Promise.all(entries.map((e) => store.get(ns(e), e.key)));
        expect(got.map((g) => g?.json)).toEqual(entries.map((_, i) => String(i)));
      }),
      { numRuns: 25 },
    );
  });
});
