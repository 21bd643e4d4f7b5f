/**
 * The Upstash endpoint on an `upstash` backend: the real @upstash/redis client
 * talks to the sidecar, which forwards the fenced commands to "Upstash" (the
 * REST stub, executing on the real Redis) and shapes the replies itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { errors } from '@upstash/redis';
import { UpstashStore } from '#pkg/kv/index.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { startUpstashStub, type UpstashStub } from '../fixtures/upstash-stub.ts';
import { freePort } from '../fixtures/ports.ts';
import { runUpstashSidecar, upstashClient, rest, type UpstashSidecar } from './cache-sidecar-upstash-helpers.ts';

const PREFIX = `pfupw-${randomUUID().slice(0, 8)}`;
const LOCKING_SCRIPT = '#!lua flags=allow-key-locking\nreturn redis.call("INCRBY", KEYS[1], ARGV[1])';
let stub: UpstashStub;
let s: UpstashSidecar;

beforeAll(async () => {
  stub = await startUpstashStub({ redisUrl: sharedRedisUrl() });
  s = await runUpstashSidecar({
    redisUrl: sharedRedisUrl(), prefix: PREFIX, grants: [{ tenant: 'acme' }, { tenant: 'beta' }], scripts: [LOCKING_SCRIPT],
    store: new UpstashStore({ url: stub.url, token: stub.token, prefix: PREFIX, timeoutMs: 1000 }),
    upstashBackend: { url: stub.url, token: stub.token }, opTimeoutMs: 1000,
  });
});
afterAll(async () => {
  await s.close();
  await stub.close();
  const direct = new Redis(sharedRedisUrl(), { protocol: 2 });
  const keys = await direct.keys(`${PREFIX}:*`);
  if (keys.length) await direct.del(...keys);
  direct.disconnect();
});

describe.each([{ base64: true, autoPipelining: true }, { base64: false, autoPipelining: false }])('forwarded to Upstash (%o)', (mode) => {
  it('runs the command families, pipelines and transactions with keys fenced into the tenant', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = `${randomUUID().slice(0, 6)}:`;
    expect(await r.set(`${k}s`, { v: 'ü' })).toBe('OK');
    expect(await r.get(`${k}s`)).toEqual({ v: 'ü' });
    expect(await r.incrby(`${k}n`, 5)).toBe(5);
    expect(await r.hset(`${k}h`, { a: 1, b: 'x' })).toBe(2);
    expect(await r.hgetall(`${k}h`)).toEqual({ a: 1, b: 'x' });
    expect(await r.rpush(`${k}l`, 'a', 'b')).toBe(2);
    expect(await r.lrange(`${k}l`, 0, -1)).toEqual(['a', 'b']);
    expect(await r.zadd(`${k}z`, { score: 2, member: 'm' })).toBe(1);
    expect(await r.zscore(`${k}z`, 'm')).toBe(2);
    const [, keys] = await r.scan(0, { match: `${k}*`, count: 1000 });
    expect(keys.sort()).toEqual([`${k}h`, `${k}l`, `${k}n`, `${k}s`, `${k}z`]);
    const p = r.pipeline();
    p.get(`${k}n`);
    p.incr(`${k}s`);
    const piped = await p.exec({ keepErrors: true });
    expect(piped[0].result).toBe(5);
    expect(piped[1].error).toMatch(/not an integer/);
    const m = r.multi();
    m.incr(`${k}n`);
    m.get(`${k}n`);
    expect(await m.exec()).toEqual([6, 6]);
    expect(await r.eval(LOCKING_SCRIPT, [`${k}n`], ['4'])).toBe(10);
    expect(await upstashClient(s, 'beta', mode).get(`${k}n`)).toBe(null);
    // What reached Upstash: every key rewritten into the tenant's space.
    const sent = stub.requests.map((req) => JSON.stringify(req.body)).filter((b) => b.includes(`${k}n`));
    expect(sent.length).toBeGreaterThan(0);
    for (const body of sent) expect(body).toContain(`${PREFIX}:{`);
    expect(stub.requests.every((req) => req.headers.authorization === `Bearer ${stub.token}`)).toBe(true);
  });

  it('keeps Upstash\'s refusals as UpstashError and refuses fenced-off commands before forwarding', async () => {
    const r = upstashClient(s, 'acme', mode);
    const before = stub.requests.length;
    await expect(r.flushall()).rejects.toThrow(/refused by the cache sidecar/);
    expect(stub.requests.length).toBe(before);
    await r.set('text', 'x');
    await expect(r.incr('text')).rejects.toThrow(errors.UpstashError);
  });
});

it('answers unavailable when the real Upstash cannot be reached', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const down = await runUpstashSidecar({
    redisUrl: sharedRedisUrl(), prefix: PREFIX, grants: [{ tenant: 'acme' }],
    store: new UpstashStore({ url, token: 'tok-unreachable-0123456789', timeoutMs: 100 }), upstashBackend: { url, token: 'tok-unreachable-0123456789' }, opTimeoutMs: 100,
  });
  try {
    const res = await rest(down, '/upstash', { body: ['get', 'k'], token: down.tokens.acme });
    expect(res).toMatchObject({ status: 503, body: { error: 'ERR cache backend unavailable; continue uncached' } });
  } finally {
    await down.close();
  }
});
