/**
 * The cache sidecar's HTTP contract, endpoint by endpoint, against a real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { runSidecar, redisStore, json, type RunningSidecar } from './cache-sidecar-helpers.ts';

const prefix = `pft-${randomUUID().slice(0, 8)}`;
let s: RunningSidecar;
let redis: Redis;
const T = '/v1/cache/acme';

beforeAll(async () => {
  const store = redisStore(sharedRedisUrl(), prefix);
  await store.waitReady();
  // A generous op timeout: this suite is about the contract, not deadlines, and CI machines are shared.
  s = await runSidecar(store, { maxValueBytes: 4096, opTimeoutMs: 2000 });
  redis = new Redis(sharedRedisUrl(), { protocol: 2 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await s.close();
});

describe('GET / PUT / DELETE', () => {
  it('misses, then stores any JSON value and hits with the remaining TTL', async () => {
    const miss = await s.call(`${T}/docs/a`);
    expect(miss.status).toBe(404);
    expect(miss.headers.get('x-cache')).toBe('miss');
    expect(miss.headers.get('x-cache-backend')).toBe('redis');

    const value = { title: 'Ünïcode', tags: ['a', 'b'], n: 1.5, nested: { ok: true, none: null } };
    const put = await s.call(`${T}/docs/a?ttl=5m`, { method: 'PUT', body: JSON.stringify(value) });
    expect(put.status).toBe(204);
    expect(put.headers.get('x-cache-ttl')).toBe('300000');

    const hit = await s.call(`${T}/docs/a`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('hit');
    const ttl = Number(hit.headers.get('x-cache-ttl'));
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    expect(await hit.json()).toEqual(value);
    // Stored under the namespaced key, with the TTL Redis really holds.
    expect(await redis.pttl(`${prefix}:{acme}:docs:a`)).toBeGreaterThan(290_000);
  });

  it.each([
    ['', 15_000], ['ttl=1500', 5000], ['ttl=500ms', 5000], ['ttl=15s', 15_000], ['ttl=5m', 30_000], ['ttl=1h', 30_000], ['ttl=20000', 20_000],
  ])('clamps ?%s to the knowledge.search policy → %d ms', async (q, expected) => {
    const put = await s.call(`${T}/knowledge.search/q1?${q}`, { method: 'PUT', body: '"v"' });
    expect(put.status).toBe(204);
    expect(Number(put.headers.get('x-cache-ttl'))).toBe(expected);
    const pttl = await redis.pttl(`${prefix}:{acme}:knowledge.search:q1`);
    expect(pttl).toBeGreaterThan(expected - 1000);
    expect(pttl).toBeLessThanOrEqual(expected);
  });

  it('keeps keys with slashes, spaces and unicode apart', async () => {
    const keys = ['a/b', 'a b', 'a%2Fb-literal', 'ключ', '_mget-like'];
    for (const [i, k] of keys.entries()) {
      expect((await s.call(`${T}/docs/${encodeURIComponent(k)}`, { method: 'PUT', body: String(i) })).status).toBe(204);
    }
    for (const [i, k] of keys.entries()) {
      expect(await (await s.call(`${T}/docs/${encodeURIComponent(k)}`)).json()).toBe(i);
    }
  });

  it('deletes (204 whether or not the key existed)', async () => {
    await s.call(`${T}/docs/d`, { method: 'PUT', body: '1' });
    expect((await s.call(`${T}/docs/d`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.call(`${T}/docs/d`)).status).toBe(404);
    expect((await s.call(`${T}/docs/d`, { method: 'DELETE' })).status).toBe(204);
  });

  it('isolates tenants and scopes', async () => {
    await s.call('/v1/cache/t1/s/k', { method: 'PUT', body: '"t1"' });
    expect((await s.call('/v1/cache/t2/s/k')).status).toBe(404);
    expect((await s.call('/v1/cache/t1/s2/k')).status).toBe(404);
    expect(await (await s.call('/v1/cache/t1/s/k')).json()).toBe('t1');
  });
});

describe('_mget and _mset', () => {
  it('writes all items with per-item TTLs, then reads hits and misses in order', async () => {
    const mset = await s.call(`${T}/batch/_mset`, json({ items: [{ key: 'a', value: { v: 1 }, ttl: '10s' }, { key: 'b', value: [1, 2] }] }));
    expect(mset.status).toBe(204);
    const mget = await s.call(`${T}/batch/_mget`, json({ keys: ['a', 'zz', 'b'] }));
    expect(mget.status).toBe(200);
    expect(mget.headers.get('x-cache')).toBe('miss');
    expect(mget.headers.get('x-cache-hits')).toBe('2/3');
    const body = await mget.json() as { items: { key: string; hit: boolean; value?: unknown; ttlMs?: number }[] };
    expect(body.items.map((i) => [i.key, i.hit, i.value])).toEqual([['a', true, { v: 1 }], ['zz', false, undefined], ['b', true, [1, 2]]]);
    expect(body.items[0].ttlMs).toBeLessThanOrEqual(10_000);
    expect(body.items[2].ttlMs).toBeGreaterThan(10_000); // the default 30 s
  });

  it('writes nothing when one item is bad', async () => {
    const res = await s.call(`${T}/batch2/_mset`, json({ items: [{ key: 'ok', value: 1 }, { key: '', value: 2 }] }));
    expect(res.status).toBe(400);
    expect((await res.json() as { error: { code: string } }).error.code).toBe('invalid_key');
    expect(await redis.exists(`${prefix}:{acme}:batch2:ok`)).toBe(0);
  });

  it('refuses a batch over 1000 items', async () => {
    const res = await s.call(`${T}/batch/_mget`, json({ keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) }));
    expect(res.status).toBe(400);
    expect((await res.json() as { error: { code: string } }).error.code).toBe('batch_too_large');
  });
});

describe('_tx', () => {
  it('applies set, incr, get, del and expire atomically and answers in order', async () => {
    const res = await s.call(`${T}/_tx`, json({ ops: [
      { op: 'set', scope: 's', key: 'k', value: 1, ttl: '10s' },
      { op: 'incr', scope: 's', key: 'n', by: 2 },
      { op: 'get', scope: 's', key: 'k' },
      { op: 'del', scope: 's', key: 'k' },
      { op: 'expire', scope: 's', key: 'n', ttl: '1m' },
    ] }));
    expect(res.status).toBe(200);
    const { results } = await res.json() as { results: unknown[] };
    expect(results).toEqual([
      { ok: true, ttlMs: 10_000 },
      { value: 2 },
      { hit: true, value: 1, ttlMs: expect.any(Number) },
      { deleted: 1 },
      { ok: true, ttlMs: 60_000 },
    ]);
    expect(await redis.get(`${prefix}:{acme}:s:n`)).toBe('2');
    expect(await redis.pttl(`${prefix}:{acme}:s:n`)).toBeGreaterThan(55_000);
  });

  it('applies nothing when an incr meets a non-integer', async () => {
    await s.call(`${T}/tx2/text`, { method: 'PUT', body: '"hello"' });
    const res = await s.call(`${T}/_tx`, json({ ops: [
      { op: 'set', scope: 'tx2', key: 'first', value: 'x' },
      { op: 'incr', scope: 'tx2', key: 'text' },
    ] }));
    expect(res.status).toBe(409);
    expect((await res.json() as { error: { code: string } }).error.code).toBe('wrong_type');
    expect(await redis.exists(`${prefix}:{acme}:tx2:first`)).toBe(0);
  });
});

describe('bad input changes nothing', () => {
  it.each([
    ['malformed JSON', `${T}/bad/k`, { method: 'PUT', body: '{"a":' }, 400, 'invalid_json'],
    ['empty body', `${T}/bad/k`, { method: 'PUT', body: '' }, 400, 'invalid_json'],
    ['bad tenant', '/v1/cache/ac%20me/bad/k', { method: 'PUT', body: '1' }, 400, 'invalid_namespace'],
    ['bad scope', `${T}/b@d/k`, { method: 'PUT', body: '1' }, 400, 'invalid_namespace'],
    ['key over 1024 bytes', `${T}/bad/${'k'.repeat(1025)}`, { method: 'PUT', body: '1' }, 400, 'invalid_key'],
    ['bad ttl', `${T}/bad/k?ttl=soon`, { method: 'PUT', body: '1' }, 400, 'invalid_ttl'],
    ['value too large', `${T}/bad/k`, { method: 'PUT', body: JSON.stringify('x'.repeat(5000)) }, 413, 'payload_too_large'],
    ['unknown route', '/v1/nope', { method: 'GET' }, 404, 'not_found'],
    ['wrong method', `${T}/bad/k`, { method: 'POST', body: '1' }, 405, 'method_not_allowed'],
    ['wrong method on batch', `${T}/bad/_mget`, { method: 'GET' }, 405, 'method_not_allowed'],
    ['malformed batch', `${T}/bad/_mset`, { method: 'POST', body: '{"items":{}}' }, 400, 'invalid_body'],
    ['unknown tx op', `${T}/_tx`, json({ ops: [{ op: 'flushall', scope: 's', key: 'k' }] }), 400, 'invalid_op'],
  ])('%s', async (_name, path, init, status, code) => {
    const before = (await redis.keys(`${prefix}:*`)).length;
    const res = await s.call(path as string, init as RequestInit);
    expect(res.status).toBe(status);
    expect(res.headers.get('x-cache-backend')).toBe('redis');
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(await redis.exists(`${prefix}:{acme}:bad:k`)).toBe(0);
    expect((await redis.keys(`${prefix}:*`)).length).toBe(before);
  });
});

describe('admin listener', () => {
  it('serves health, readiness with the backend state, status and metrics', async () => {
    expect((await fetch(`${s.admin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${s.admin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, backend: 'redis', backendState: 'up' });
    const status = await (await fetch(`${s.admin}/v1/status`)).json() as Record<string, any>;
    expect(status.backend).toBe('redis');
    expect(status.breaker.state).toBe('closed');
    expect(status.ttlPolicy.scopes['knowledge.search']).toEqual({ ttlMs: 15_000, minMs: 5000, maxMs: 30_000 });
    const text = await (await fetch(`${s.admin}/metrics`)).text();
    expect(sample(text, 'cache_requests_total', { op: 'get', backend: 'redis', scope: 'docs', result: 'hit' })).toBeGreaterThan(0);
    expect(sample(text, 'cache_requests_total', { op: 'get', backend: 'redis', scope: 'docs', result: 'miss' })).toBeGreaterThan(0);
    expect(sample(text, 'cache_ttl_seconds_count', { scope: 'knowledge.search' })).toBeGreaterThan(0);
    expect(text).toContain('cache_request_duration_seconds_bucket');
    expect((await fetch(`${s.admin}/nope`)).status).toBe(404);
  });
});

/** The value of the Prometheus sample with exactly these labels (in any order). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return Number.NaN;
}
