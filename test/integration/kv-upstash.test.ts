import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheError, UpstashStore, upstashError } from '#pkg/kv/index.ts';
import { captureLogs, createLogger, secrets } from '#pkg/log/index.ts';
import { freePort } from '#test/fixtures/ports.ts';
import { sharedRedisUrl } from '#test/fixtures/redis.ts';
import { startUpstashStub, type UpstashStub } from '#test/fixtures/upstash-stub.ts';
import { storeContract } from './kv-contract.ts';

let stub: UpstashStub;
let store: UpstashStore;
beforeAll(async () => {
  stub = await startUpstashStub({ redisUrl: sharedRedisUrl() });
  store = new UpstashStore({ url: stub.url, token: stub.token, prefix: 'kvup', timeoutMs: 2000 });
});
afterAll(async () => {
  await store.close();
  await stub.close();
});

storeContract('upstash', () => store);

const since = (n: number) => stub.requests.slice(n);

describe('upstash request shapes', () => {
  it('get is one /pipeline request of GET and PTTL, with bearer auth, base64 and no telemetry', async () => {
    const ns = { tenantKey: 'shape', scope: 's' };
    await store.set(ns, 'k', '{"a":"ü"}', 10_000);
    const mark = stub.requests.length;
    const got = await store.get(ns, 'k');
    expect(got?.json).toBe('{"a":"ü"}');
    const reqs = since(mark);
    expect(reqs).toHaveLength(1);
    expect(reqs[0].method).toBe('POST');
    expect(reqs[0].path).toBe('/pipeline');
    expect(reqs[0].body).toEqual([['get', 'kvup:{shape}:s:k'], ['pttl', 'kvup:{shape}:s:k']]);
    expect(reqs[0].headers.authorization).toBe(`Bearer ${stub.token}`);
    expect(reqs[0].headers['upstash-encoding']).toBe('base64');
    expect(Object.keys(reqs[0].headers).filter((h) => h.startsWith('upstash-telemetry'))).toEqual([]);
  });

  it('set is one POST / with PX; del one POST /', async () => {
    const mark = stub.requests.length;
    await store.set({ tenantKey: 'shape', scope: 's' }, 'x', '[1,2]', 1234);
    await store.del({ tenantKey: 'shape', scope: 's' }, 'x');
    expect(since(mark).map((r) => [r.path, r.body])).toEqual([
      ['/', ['set', 'kvup:{shape}:s:x', '[1,2]', 'px', 1234]],
      ['/', ['del', 'kvup:{shape}:s:x']],
    ]);
  });

  it('mget is one /pipeline, mset one /multi-exec, a transaction one script call', async () => {
    const ns = { tenantKey: 'shape', scope: 'b' };
    let mark = stub.requests.length;
    await store.mset(ns, [{ key: 'a', json: '1', ttlMs: 5000 }, { key: 'b', json: '2', ttlMs: 6000 }]);
    expect(since(mark).map((r) => [r.path, r.body])).toEqual([
      ['/multi-exec', [['set', 'kvup:{shape}:b:a', '1', 'px', 5000], ['set', 'kvup:{shape}:b:b', '2', 'px', 6000]]],
    ]);
    mark = stub.requests.length;
    await store.mget(ns, ['a', 'b']);
    expect(since(mark).map((r) => r.path)).toEqual(['/pipeline']);
    expect((since(mark)[0].body as unknown[]).length).toBe(4);
    await store.transaction('shape', [{ op: 'incr', scope: 'b', key: 'n', by: 1 }]);
    mark = stub.requests.length;
    await store.transaction('shape', [{ op: 'incr', scope: 'b', key: 'n', by: 1 }]);
    // Once the script is cached in Redis: a single EVALSHA.
    const tx = since(mark);
    expect(tx).toHaveLength(1);
    expect((tx[0].body as string[])[0]).toBe('evalsha');
  });

  it('echoes the read-your-writes sync token it was given', async () => {
    const mark = stub.requests.length;
    await store.ping();
    await store.ping();
    await store.ping();
    const tokens = since(mark).map((r) => r.headers['upstash-sync-token']);
    expect(tokens.some((t) => typeof t === 'string' && t.length > 0)).toBe(true);
  });
});

describe('upstash failures', () => {
  it('answers unavailable promptly when the URL is unreachable (connection refused)', async () => {
    const dead = new UpstashStore({ url: `http://127.0.0.1:${await freePort()}`, token: 'tok-unreachable-1', timeoutMs: 300 });
    const results = await Promise.allSettled([
      dead.get({ tenantKey: 't', scope: 's' }, 'k'),
      dead.set({ tenantKey: 't', scope: 's' }, 'k', '1', 1000),
      dead.mget({ tenantKey: 't', scope: 's' }, ['a']),
      dead.mset({ tenantKey: 't', scope: 's' }, [{ key: 'a', json: '1', ttlMs: 1000 }]),
      dead.transaction('t', [{ op: 'get', scope: 's', key: 'a' }]),
      dead.ping(),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CacheError);
      expect((r as PromiseRejectedResult).reason.kind).toBe('unavailable');
    }
    expect(dead.status()).toBe('down');
  });

  it('answers timeout when the server accepts but never answers', async () => {
    const sockets: net.Socket[] = [];
    const blackhole = net.createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const port = (blackhole.address() as net.AddressInfo).port;
    const slow = new UpstashStore({ url: `http://127.0.0.1:${port}`, token: 'tok-blackhole-1', timeoutMs: 150 });
    try {
      await expect(slow.get({ tenantKey: 't', scope: 's' }, 'k')).rejects.toMatchObject({ kind: 'timeout' });
      await expect(slow.transaction('t', [{ op: 'incr', scope: 's', key: 'n', by: 1 }])).rejects.toMatchObject({ kind: 'timeout' });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => blackhole.close(() => r()));
    }
  });

  it('answers timeout when the stub is slower than the timeout, and recovers when it is not', async () => {
    const quick = new UpstashStore({ url: stub.url, token: stub.token, prefix: 'kvup', timeoutMs: 100 });
    stub.delayMs = 400;
    try {
      await expect(quick.ping()).rejects.toMatchObject({ kind: 'timeout' });
      expect(quick.status()).toBe('down');
    } finally {
      stub.delayMs = 0;
    }
    await quick.ping();
    expect(quick.status()).toBe('connected');
  });

  it('a wrong token answers unavailable without the token in the error', async () => {
    const wrong = new UpstashStore({ url: stub.url, token: 'wrong-token-abcdef', prefix: 'kvup', timeoutMs: 2000 });
    const err = await wrong.get({ tenantKey: 't', scope: 's' }, 'k').catch((e: CacheError) => e);
    expect(err).toBeInstanceOf(CacheError);
    expect((err as CacheError).kind).toBe('unavailable');
    expect((err as CacheError).message).not.toContain('wrong-token-abcdef');
  });

  it('redacts values that Upstash errors quote, in errors and in logs', async () => {
    const secretValue = 'sensitive-value-7f3a9c';
    // The library's own error quotes the whole command, value included...
    const raw = await store.client.set('kvup:{redact}:s:x', secretValue, { px: -5 } as never).then(() => undefined, (e: unknown) => e);
    expect(String((raw as Error).message)).toContain(secretValue);
    // ...ours never does, in the message, the cause, or a log line of it.
    const mapped = upstashError(raw);
    expect(mapped.kind).toBe('other');
    expect(mapped.message).not.toContain(secretValue);
    expect(String((mapped.cause as Error).message)).not.toContain(secretValue);
    const logs = captureLogs();
    createLogger({ name: 'kv-test', destination: logs.stream }).error({ err: mapped }, 'cache op failed');
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(secretValue);
    // A transaction refused because of a stored value never quotes it either.
    await store.set({ tenantKey: 'redact', scope: 's' }, 'text', JSON.stringify(secretValue), 10_000);
    const err = await store.transaction('redact', [{ op: 'incr', scope: 's', key: 'text', by: 1 }]).catch((e: CacheError) => e);
    expect((err as CacheError).kind).toBe('wrong_type');
    expect((err as CacheError).message).not.toContain(secretValue);
  });

  it('registers the token as a secret', () => {
    expect(secrets.mask(`token ${stub.token}`)).not.toContain(stub.token);
  });
});

describe('upstash stub fidelity', () => {
  it('speaks the REST protocol: auth, path form, base64, per-command pipeline errors, 405', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${stub.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${stub.token}`, ...headers } });
    expect((await fetch(`${stub.url}/`, { method: 'POST', body: '["ping"]', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    // A present but bad header does not fall back to ?_token=.
    expect((await fetch(`${stub.url}/?_token=${stub.token}`, { method: 'POST', body: '["ping"]', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect(await (await fetch(`${stub.url}/set/kvup:stubk/hello?_token=${stub.token}`)).json()).toEqual({ result: 'OK' });
    expect(await (await post('/', ['get', 'kvup:stubk'], { 'upstash-encoding': 'base64' })).json()).toEqual({ result: Buffer.from('hello').toString('base64') });
    expect(await (await post('/', ['get', 'kvup:stubk'])).json()).toEqual({ result: 'hello' });
    const bad = await post('/', ['incr', 'kvup:stubk']);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not an integer/);
    const pipe = (await (await post('/pipeline', [['incr', 'kvup:stubk'], ['strlen', 'kvup:stubk']])).json()) as { result?: unknown; error?: string }[];
    expect(pipe[0].error).toMatch(/not an integer/);
    expect(pipe[1]).toEqual({ result: 5 });
    const res = await fetch(`${stub.url}/`, { method: 'DELETE', headers: { authorization: `Bearer ${stub.token}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('upstash-sync-token')).toBeTruthy();
  });
});
