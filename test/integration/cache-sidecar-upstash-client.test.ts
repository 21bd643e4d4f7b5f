/**
 * The real @upstash/redis client pointed at the sidecar's /upstash endpoint
 * on the redis backend: every allowed command family, pipelines,
 * transactions, scripts (a shebang script on Redis 7.0), read-your-writes
 * and errors, with auto-pipelining, base64 responses and telemetry each on
 * and off; the path form and the wire details checked raw.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { errors } from '@upstash/redis';
import { MemoryStore } from '#pkg/kv/index.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { runUpstashSidecar, upstashClient, upstashSidecarForFile, rest, type ClientOptions, type UpstashSidecar } from './cache-sidecar-upstash-helpers.ts';

const PREFIX = `pfupc-${randomUUID().slice(0, 8)}`;
const LOCKING_SCRIPT = '#!lua flags=allow-key-locking\nlocal n = redis.call("INCRBY", KEYS[1], ARGV[1])\nreturn {n, KEYS[1]}';
const file = upstashSidecarForFile({
  redisUrl: sharedRedisUrl(), prefix: PREFIX, scripts: [LOCKING_SCRIPT],
  grants: [{ tenant: 'acme' }, { tenant: 'beta' }, { tenant: 'ops', trusted: true }, { tenant: 'docs', scope: 'knowledge.search', defaultTtl: true }],
});
let s: UpstashSidecar;
let direct: Redis;
beforeAll(() => { ({ sidecar: s, direct } = file); });

const modes: (ClientOptions & { name: string })[] = [
  { name: 'auto-pipelining, base64, telemetry', autoPipelining: true, base64: true, telemetry: true },
  { name: 'auto-pipelining, plain JSON', autoPipelining: true, base64: false },
  { name: 'one request per call, base64', autoPipelining: false, base64: true },
  { name: 'one request per call, plain JSON, telemetry', autoPipelining: false, base64: false, telemetry: true },
];

describe.each(modes)('@upstash/redis through the sidecar ($name)', (mode) => {
  const ns = () => `${mode.name.replace(/\W+/g, '-')}-${randomUUID().slice(0, 6)}:`;

  it('strings and counters', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    expect(await r.set(`${k}s`, 'héllo wörld ✓')).toBe('OK');
    expect(await r.get(`${k}s`)).toBe('héllo wörld ✓');
    expect(await r.set(`${k}j`, { a: [1, 2], b: 'x' })).toBe('OK');
    expect(await r.get(`${k}j`)).toEqual({ a: [1, 2], b: 'x' });
    expect(await r.set(`${k}s`, 'other', { nx: true })).toBe(null);
    expect(await r.append(`${k}s`, '!')).toBe(Buffer.byteLength('héllo wörld ✓!'));
    expect(await r.strlen(`${k}s`)).toBe(Buffer.byteLength('héllo wörld ✓!'));
    expect(await r.getrange(`${k}s`, 0, 4)).toBe('héll');
    expect(await r.incr(`${k}n`)).toBe(1);
    expect(await r.incrby(`${k}n`, 41)).toBe(42);
    expect(await r.decr(`${k}n`)).toBe(41);
    expect(await r.decrby(`${k}n`, 40)).toBe(1);
    expect(await r.incrbyfloat(`${k}f`, 1.5)).toBe(1.5);
    expect(await r.getdel(`${k}n`)).toBe(1);
    expect(await r.get(`${k}n`)).toBe(null);
    expect(await r.mset({ [`${k}a`]: 'A', [`${k}b`]: 2 })).toBe('OK');
    expect(await r.mget(`${k}a`, `${k}b`, `${k}none`)).toEqual(['A', 2, null]);
    expect(await r.setnx(`${k}a`, 'x')).toBe(0);
    expect(await r.getset(`${k}a`, 'A2')).toBe('A');
  });

  it('hashes, lists, sets and sorted sets', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    expect(await r.hset(`${k}h`, { f1: 'v1', f2: 2, f3: { deep: true } })).toBe(3);
    expect(await r.hget(`${k}h`, 'f1')).toBe('v1');
    expect(await r.hgetall(`${k}h`)).toEqual({ f1: 'v1', f2: 2, f3: { deep: true } });
    expect(await r.hmget(`${k}h`, 'f1', 'nope')).toEqual({ f1: 'v1', nope: null });
    expect(await r.hincrby(`${k}h`, 'f2', 3)).toBe(5);
    expect(await r.hexists(`${k}h`, 'f1')).toBe(1);
    expect((await r.hkeys(`${k}h`)).sort()).toEqual(['f1', 'f2', 'f3']);
    expect(await r.hlen(`${k}h`)).toBe(3);
    expect(await r.hdel(`${k}h`, 'f1')).toBe(1);

    expect(await r.rpush(`${k}l`, 'a', 'b', 'c')).toBe(3);
    expect(await r.lpush(`${k}l`, 'z')).toBe(4);
    expect(await r.lrange(`${k}l`, 0, -1)).toEqual(['z', 'a', 'b', 'c']);
    expect(await r.llen(`${k}l`)).toBe(4);
    expect(await r.lindex(`${k}l`, 1)).toBe('a');
    expect(await r.lpop(`${k}l`)).toBe('z');
    expect(await r.rpop(`${k}l`)).toBe('c');
    expect(await r.lmove(`${k}l`, `${k}l2`, 'left', 'right')).toBe('a');
    expect(await r.lrange(`${k}l2`, 0, -1)).toEqual(['a']);

    expect(await r.sadd(`${k}s`, 'x', 'y', 'z')).toBe(3);
    expect(await r.sismember(`${k}s`, 'y')).toBe(1);
    expect((await r.smembers(`${k}s`)).sort()).toEqual(['x', 'y', 'z']);
    expect(await r.scard(`${k}s`)).toBe(3);
    expect(await r.srem(`${k}s`, 'x')).toBe(1);
    await r.sadd(`${k}t`, 'y', 'q');
    expect(await r.sinter(`${k}s`, `${k}t`)).toEqual(['y']);
    expect(await r.sunionstore(`${k}u`, `${k}s`, `${k}t`)).toBe(3);

    expect(await r.zadd(`${k}z`, { score: 1, member: 'one' }, { score: 2, member: 'two' }, { score: 3, member: 'three' })).toBe(3);
    expect(await r.zscore(`${k}z`, 'two')).toBe(2);
    expect(await r.zrange(`${k}z`, 0, -1)).toEqual(['one', 'two', 'three']);
    expect(await r.zrange(`${k}z`, 0, 0, { withScores: true })).toEqual(['one', 1]);
    expect(await r.zrange(`${k}z`, 2, 3, { byScore: true })).toEqual(['two', 'three']);
    expect(await r.zincrby(`${k}z`, 10, 'one')).toBe(11);
    expect(await r.zrank(`${k}z`, 'one')).toBe(2);
    expect(await r.zcard(`${k}z`)).toBe(3);
    expect(await r.zcount(`${k}z`, 0, 5)).toBe(2);
    expect(await r.zrem(`${k}z`, 'two')).toBe(1);
    expect(await r.zpopmin(`${k}z`)).toEqual(['three', 3]);
    expect(await r.zunionstore(`${k}zu`, 2, [`${k}z`, `${k}zz`])).toBe(1);
  });

  it('expiry, existence, deletion, SCAN with MATCH and PING', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    await r.set(`${k}e`, 'v', { ex: 100 });
    expect(await r.ttl(`${k}e`)).toBeGreaterThan(90);
    expect(await r.pttl(`${k}e`)).toBeGreaterThan(90_000);
    expect(await r.persist(`${k}e`)).toBe(1);
    expect(await r.ttl(`${k}e`)).toBe(-1);
    expect(await r.expire(`${k}e`, 50)).toBe(1);
    expect(await r.pexpire(`${k}e`, 60_000)).toBe(1);
    expect(await r.ttl(`${k}e`)).toBeLessThanOrEqual(60);
    await r.set(`${k}d1`, 1);
    await r.set(`${k}d2`, 2);
    expect(await r.exists(`${k}e`, `${k}d1`, `${k}none`)).toBe(2);
    expect(await r.type(`${k}d1`)).toBe('string');
    expect(await r.del(`${k}d1`)).toBe(1);
    expect(await r.unlink(`${k}d2`, `${k}none`)).toBe(1);
    for (let i = 0; i < 25; i++) await r.set(`${k}scan:${i}`, i);
    const found: string[] = [];
    let cursor: string | number = 0;
    do {
      const [next, keys]: [string | number, string[]] = await r.scan(cursor, { match: `${k}scan:*`, count: 7 });
      found.push(...keys);
      cursor = next;
    } while (String(cursor) !== '0');
    expect(found.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `${k}scan:${i}`).sort());
    expect((await r.keys(`${k}scan:1*`)).sort()).toEqual([`${k}scan:1`, ...Array.from({ length: 10 }, (_, i) => `${k}scan:1${i}`)].sort());
    expect(await r.ping()).toBe('PONG');
    // The key is stored in the tenant's space, under pkg/kv's encoding.
    expect(await direct.get(`${PREFIX}:{acme}:upstash:${k}scan:3`)).toBe('3');
  });

  it('pipelines (one result per command, errors in place) and transactions', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    const p = r.pipeline();
    p.set(`${k}p`, 'v');
    p.get(`${k}p`);
    p.incr(`${k}p`); // a string is not an integer: an error in place
    p.hset(`${k}h`, { f: 1 });
    p.hgetall(`${k}h`);
    const results = await p.exec({ keepErrors: true });
    expect(results.map((x) => x.error ?? null)).toEqual([null, null, expect.stringContaining('not an integer'), null, null]);
    expect(results.map((x) => x.result)).toEqual(['OK', 'v', undefined, 1, { f: 1 }]);

    const m = r.multi();
    m.incr(`${k}c`);
    m.incrby(`${k}c`, 9);
    m.get(`${k}c`);
    expect(await m.exec()).toEqual([1, 10, 10]);
  });

  it('auto-pipelined calls in one tick all get their own answers', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    await Promise.all(Array.from({ length: 20 }, (_, i) => r.set(`${k}${i}`, i)));
    expect(await Promise.all(Array.from({ length: 20 }, (_, i) => r.get(`${k}${i}`)))).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('scripts: KEYS[] rewritten, a shebang script runs on Redis 7.0, EVALSHA falls back from NOSCRIPT', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    expect(await r.eval(LOCKING_SCRIPT, [`${k}n`], [5])).toEqual([5, `${PREFIX}:{acme}:upstash:${k}n`]);
    const script = r.createScript<[number, string]>(LOCKING_SCRIPT);
    expect((await script.exec([`${k}n`], ['1']))[0]).toBe(6);
    expect(await r.scriptExists(script.sha1)).toEqual([1]);
    expect(await r.evalsha(script.sha1, [`${k}n`], [1])).toEqual([7, `${PREFIX}:{acme}:upstash:${k}n`]);
    const ops = upstashClient(s, 'ops', mode);
    const sha = await ops.scriptLoad('#!lua flags=allow-key-locking\nreturn ARGV[1]');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await ops.evalsha(sha, [], ['echo'])).toBe('echo');
    await expect(r.eval('return redis.call("DEL", "anything")', [], [])).rejects.toThrow(/script refused/);
  });

  it('read-your-writes: every answer carries a fresh sync token, and the client echoes it', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    expect(r.readYourWritesSyncToken).toBe('');
    await r.set(`${k}w`, 1);
    const first = r.readYourWritesSyncToken;
    expect(first).toMatch(/\S/);
    expect(await r.get(`${k}w`)).toBe(1);
    expect(r.readYourWritesSyncToken).not.toBe(first);
    for (let i = 2; i < 10; i++) {
      await r.set(`${k}w`, i);
      expect(await r.get(`${k}w`)).toBe(i);
    }
  });

  it('errors come back as UpstashError: wrong type, refused commands, bad token', async () => {
    const r = upstashClient(s, 'acme', mode);
    const k = ns();
    await r.set(`${k}str`, 'text');
    await expect(r.incr(`${k}str`)).rejects.toThrow(errors.UpstashError);
    await expect(r.incr(`${k}str`)).rejects.toThrow(/ERR value is not an integer/);
    await expect(r.flushall()).rejects.toThrow(/'flushall' is refused by the cache sidecar: it acts on the whole database/);
    await expect(r.flushdb()).rejects.toThrow(errors.UpstashError);
    await expect(r.dbsize()).rejects.toThrow(/refused/);
    await expect(r.publish('chan', 'm')).rejects.toThrow(/pub\/sub channels are shared/);
    expect(errors.UpstashError).toBeTypeOf('function');
    const stranger = upstashClient({ ...s, tokens: { acme: 'not-a-token-0000000000' } }, 'acme', mode);
    await expect(stranger.get('x')).rejects.toThrow(/Unauthorized/);
  });
});

describe('the wire, raw', () => {
  it('answers the path form, with the POST body as the value and query options after it', async () => {
    const k = `path-${randomUUID().slice(0, 6)}`;
    const set = await rest(s, `/upstash/set/${k}?EX=100`, { body: '{"v":1}', token: s.tokens.acme });
    expect(set).toMatchObject({ status: 200, body: { result: 'OK' } });
    expect(await direct.ttl(`${PREFIX}:{acme}:upstash:${k}`)).toBeGreaterThan(90);
    expect(await rest(s, `/upstash/get/${k}`, { method: 'GET', token: s.tokens.acme })).toMatchObject({ status: 200, body: { result: '{"v":1}' } });
    expect(await rest(s, `/upstash/get/${k}?_token=${s.tokens.acme}`, { method: 'GET', token: null })).toMatchObject({ status: 200, body: { result: '{"v":1}' } });
    expect(await rest(s, `/upstash/get/${k}`, { method: 'GET', token: s.tokens.beta })).toMatchObject({ status: 200, body: { result: null } });
  });

  it('encodes base64 as Upstash does and issues a sync token on every answer, errors included', async () => {
    const k = `enc-${randomUUID().slice(0, 6)}`;
    const headers = { 'upstash-encoding': 'base64', 'upstash-sync-token': 'stale-token-from-elsewhere' };
    const set = await rest(s, '/upstash', { body: ['set', k, 'ü'], token: s.tokens.acme, headers });
    expect(set.body).toEqual({ result: 'OK' });
    const pipe = await rest(s, '/upstash/pipeline', { body: [['get', k], ['strlen', k], ['get', `${k}-none`], ['lrange', `${k}-none`, 0, -1], ['incr', k]], token: s.tokens.acme, headers });
    expect(pipe.body).toEqual([
      { result: Buffer.from('ü').toString('base64') }, { result: 2 }, { result: null }, { result: [] },
      { error: 'ERR value is not an integer or out of range' },
    ]);
    const tokens = new Set([set.syncToken, pipe.syncToken]);
    for (const bad of [
      await rest(s, '/upstash', { body: ['flushall'], token: s.tokens.acme }),
      await rest(s, '/upstash', { body: ['get', 'k'], token: 'wrong-token-0000000000' }),
      await rest(s, '/upstash', { body: ['get', 'k'], token: null }),
    ]) {
      expect(bad.status === 400 || bad.status === 401).toBe(true);
      expect(bad.body).toEqual({ error: expect.any(String) });
      tokens.add(bad.syncToken);
    }
    expect([...tokens].every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
    expect(tokens.size).toBe(5);
  });

  it('refuses a bad header without falling back to _token, a bad method, and bad bodies, clearly', async () => {
    const q = `?_token=${s.tokens.acme}`;
    expect(await rest(s, `/upstash${q}`, { body: ['ping'], token: null, headers: { authorization: 'Basic x' } })).toMatchObject({ status: 401, body: { error: 'Unauthorized' } });
    expect((await rest(s, '/upstash', { method: 'DELETE', token: s.tokens.acme })).status).toBe(405);
    expect(await rest(s, '/upstash', { body: '{not json', token: s.tokens.acme })).toMatchObject({ status: 400, body: { error: 'ERR the body is not valid JSON' } });
    expect(await rest(s, '/upstash/pipeline', { body: [], token: s.tokens.acme })).toMatchObject({ status: 400 });
    expect(await rest(s, '/upstash', { body: ['get', { a: 1 }], token: s.tokens.acme })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^ERR command arguments/) } });
  });

  it('discards a transaction with a refused command as a whole, applying nothing', async () => {
    const k = `tx-${randomUUID().slice(0, 6)}`;
    const res = await rest(s, '/upstash/multi-exec', { body: [['set', k, 'v'], ['flushdb']], token: s.tokens.acme });
    expect(res).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^EXECABORT .*'flushdb' is refused/) } });
    expect(await direct.exists(`${PREFIX}:{acme}:upstash:${k}`)).toBe(0);
    const wrongArity = await rest(s, '/upstash/multi-exec', { body: [['set', k, 'v'], ['get']], token: s.tokens.acme });
    expect(wrongArity).toMatchObject({ status: 400, body: { error: expect.stringMatching(/EXECABORT|wrong number/) } });
    expect(await direct.exists(`${PREFIX}:{acme}:upstash:${k}`)).toBe(0);
  });

  it('gives a SET without a TTL its scope\'s default TTL when the token asks for it', async () => {
    const r = upstashClient(s, 'docs');
    const k = `ttl-${randomUUID().slice(0, 6)}`;
    await r.set(k, 'v');
    const ttl = await direct.pttl(`${PREFIX}:{docs}:knowledge.search:${k}`);
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(15_000); // knowledge.search's default in the test policy
    await upstashClient(s, 'acme').set(k, 'v');
    expect(await direct.pttl(`${PREFIX}:{acme}:upstash:${k}`)).toBe(-1);
  });

  it('clamps every TTL a command names into the scope\'s [min, max], as the native API does', async () => {
    const r = upstashClient(s, 'docs'); // knowledge.search: min 5 s, max 30 s in the test policy
    const k = `clamp-${randomUUID().slice(0, 6)}`;
    const stored = `${PREFIX}:{docs}:knowledge.search:${k}`;
    const inRange = async (minMs: number, maxMs: number) => {
      const ttl = await direct.pttl(stored);
      expect(ttl).toBeGreaterThan(minMs);
      expect(ttl).toBeLessThanOrEqual(maxMs);
    };
    expect(await r.set(k, 'v', { ex: 600 })).toBe('OK');
    await inRange(25_000, 30_000);
    expect(await r.set(k, 'v', { px: 10 })).toBe('OK');
    await inRange(4_000, 5_000);
    expect(await r.setex(k, 86_400, 'v')).toBe('OK');
    await inRange(25_000, 30_000);
    expect(await r.expire(k, 3600)).toBe(1);
    await inRange(25_000, 30_000);
    expect(await r.pexpire(k, 1)).toBe(1);
    await inRange(4_000, 5_000);
    expect(await r.expireat(k, Math.floor(Date.now() / 1000) + 86_400)).toBe(1);
    await inRange(25_000, 30_000);
    expect(await r.getex(k, { ex: 600 })).toBe('v');
    await inRange(25_000, 30_000);
    // defaultTtl: every key keeps a TTL, so PERSIST is refused, and the key keeps its TTL.
    await expect(r.persist(k)).rejects.toThrow(/PERSIST is refused/);
    await inRange(20_000, 30_000);
    // The default scope's rule (1 s to 1 h) for a token without defaultTtl: clamped, and PERSIST allowed.
    const acme = upstashClient(s, 'acme');
    await acme.set(k, 'v', { ex: 86_400 });
    expect(await direct.pttl(`${PREFIX}:{acme}:upstash:${k}`)).toBeLessThanOrEqual(3_600_000);
    expect(await acme.persist(k)).toBe(1);
    expect(await direct.pttl(`${PREFIX}:{acme}:upstash:${k}`)).toBe(-1);
  });

  it('never writes a token to a log line', () => {
    for (const line of s.logs.lines) for (const token of Object.values(s.tokens)) expect(line).not.toContain(token);
  });

  it('answers on the memory backend with a clear error that a Redis-compatible backend is needed', async () => {
    const m = await runUpstashSidecar({ redisUrl: sharedRedisUrl(), prefix: PREFIX, grants: [{ tenant: 'acme' }], store: new MemoryStore({ maxBytes: 1 << 20 }) });
    try {
      const res = await rest(m, '/upstash', { body: ['get', 'k'], token: m.tokens.acme });
      expect(res).toMatchObject({ status: 501, body: { error: expect.stringContaining('needs a Redis-compatible backend') } });
      await expect(upstashClient(m, 'acme').get('k')).rejects.toThrow(/Redis-compatible backend/);
    } finally {
      await m.close();
    }
  });
});
