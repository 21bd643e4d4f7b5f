import { createServer, type Server } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '#pkg/kv/index.ts';
import { normalizeQuery, searchCacheKey } from '#pkg/knowledge/index.ts';
import { runSidecar, TEST_POLICY, type RunningSidecar } from './cache-sidecar-helpers.ts';
import { KEYS, knowledgeFolder, startTestApp, type TestApp } from '../fixtures/app.ts';
import { freePort } from '../fixtures/ports.ts';

const clock = { t: 1_000_000, now() { return this.t; } };
let docs: string;
let sidecar: RunningSidecar;
let app: TestApp;
const extra: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  docs = knowledgeFolder();
  sidecar = await runSidecar(new MemoryStore({ clock }));
  app = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: sidecar.base });
});
afterEach(async () => { await Promise.all(extra.splice(0).map((e) => e.close())); });
afterAll(async () => {
  await app?.close();
  await sidecar?.close();
  rmSync(docs, { recursive: true, force: true });
});

const cached = (q: string, key: string = KEYS.reader, query = '') => app.call(`/api/knowledge/search-cached?q=${encodeURIComponent(q)}${query}`, key);
let n = 0;
/** A query no other test asked, so each test starts from a cold cache. */
const fresh = (base = 'circuit breaker') => `${base} ${'x'.repeat(++n)}`;

describe('search-cached', () => {
  it('misses, then hits with the same body as the uncached search', async () => {
    const q = fresh();
    const miss = await cached(q);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('miss');
    const missBody = await miss.json() as any;
    expect(missBody.results[0]).toMatchObject({ title: 'Circuit breaker', path: 'breaker.md' });
    const hit = await cached(q);
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(await hit.json() as any).toEqual(missBody);
    const uncached = await app.call(`/api/knowledge/search?q=${encodeURIComponent(q)}`, KEYS.reader);
    expect(uncached.headers.get('x-cache')).toBeNull();
    expect(await uncached.json() as any).toEqual(missBody);
  });

  it('keys on the normalised query and the limit', async () => {
    const q = fresh('Cache Sidecar');
    expect((await cached(q)).headers.get('x-cache')).toBe('miss');
    expect((await cached(`  ${q.toUpperCase()}  `)).headers.get('x-cache')).toBe('hit');
    const other = await cached(q, KEYS.reader, '&limit=1');
    expect(other.headers.get('x-cache')).toBe('miss');
    expect((await other.json() as any).results).toHaveLength(1);
  });

  it('stores under scope knowledge.search and the caller\'s tenant, with the default 15 s TTL', async () => {
    const q = fresh();
    await cached(q);
    const key = encodeURIComponent(searchCacheKey(normalizeQuery(q), 10));
    const direct = await sidecar.call(`/v1/cache/acme/knowledge.search/${key}`);
    expect(direct.status).toBe(200);
    expect(Number(direct.headers.get('x-cache-ttl'))).toBe(15_000);
    expect((await sidecar.call(`/v1/cache/globex/knowledge.search/${key}`)).status).toBe(404);
  });

  it('asks for ttl= within the scope\'s 5–30 s bounds (the sidecar clamps)', async () => {
    for (const [ttl, expected] of [['10s', 10_000], ['20', 20_000], ['1h', 30_000], ['1s', 5_000]] as const) {
      const q = fresh();
      expect((await cached(q, KEYS.reader, `&ttl=${ttl}`)).headers.get('x-cache')).toBe('miss');
      const key = encodeURIComponent(searchCacheKey(normalizeQuery(q), 10));
      expect(Number((await sidecar.call(`/v1/cache/acme/knowledge.search/${key}`)).headers.get('x-cache-ttl')), `ttl=${ttl}`).toBe(expected);
    }
  });

  it('misses again once the TTL has run out', async () => {
    const q = fresh();
    await cached(q, KEYS.reader, '&ttl=5s');
    clock.t += 4_900;
    expect((await cached(q, KEYS.reader, '&ttl=5s')).headers.get('x-cache')).toBe('hit');
    clock.t += 200;
    expect((await cached(q, KEYS.reader, '&ttl=5s')).headers.get('x-cache')).toBe('miss');
  });

  it('keeps tenants apart: another tenant\'s identical query misses and never sees the first one\'s entry', async () => {
    const q = fresh();
    expect((await cached(q, KEYS.reader)).headers.get('x-cache')).toBe('miss');
    expect((await cached(q, KEYS.readerGlobex)).headers.get('x-cache')).toBe('miss');
    expect((await cached(q, KEYS.readerGlobex)).headers.get('x-cache')).toBe('hit');
    expect((await cached(q, KEYS.reader)).headers.get('x-cache')).toBe('hit');
  });

  it('counts outcomes per route in /metrics', async () => {
    const text = await (await app.call('/metrics')).text();
    expect(text).toMatch(/app_cache_outcomes_total\{[^}]*route="\/api\/knowledge\/search-cached",outcome="hit"\} [1-9]/);
    expect(text).toMatch(/app_http_request_duration_seconds_count\{[^}]*route="\/api\/knowledge\/search-cached",method="GET",status="200"\} [1-9]/);
  });
});

describe('parameters', () => {
  it.each([
    ['', 'invalid_query'], ['?q=', 'invalid_query'], ['?q=%20%20', 'invalid_query'], ['?q=a&q=b', 'invalid_query'],
    ['?q=a&limit=0', 'invalid_limit'], ['?q=a&limit=51', 'invalid_limit'], ['?q=a&limit=abc', 'invalid_limit'], ['?q=a&limit=-1', 'invalid_limit'], ['?q=a&limit=2.5', 'invalid_limit'],
    ['?q=a&ttl=0', 'invalid_ttl'], ['?q=a&ttl=abc', 'invalid_ttl'], ['?q=a&ttl=-5', 'invalid_ttl'],
  ])('%s is a 400 %s on both routes, before any cache work', async (query, code) => {
    const before = await sidecar.metrics.text();
    for (const route of ['search', 'search-cached']) {
      const res = await app.call(`/api/knowledge/${route}${query}`, KEYS.reader);
      expect(res.status, route).toBe(400);
      const body = await res.json() as any;
      expect(body.error.code).toBe(code);
      expect(typeof body.error.message).toBe('string');
    }
    expect(await sidecar.metrics.text()).toBe(before);
  });

  it('limit 1 and 50 are accepted; the default is 10', async () => {
    for (const limit of ['1', '50']) expect((await app.call(`/api/knowledge/search?q=the&limit=${limit}`, KEYS.reader)).status).toBe(200);
    expect((await (await app.call('/api/knowledge/search?q=the&limit=1', KEYS.reader)).json() as any).results.length).toBeLessThanOrEqual(1);
  });
});

describe('when the sidecar is down or slow', () => {
  it('answers 200 with the uncached result and X-Cache: unavailable when nothing listens', async () => {
    const port = await freePort();
    const down = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: `http://127.0.0.1:${port}` });
    extra.push(down);
    const q = fresh();
    const res = await down.call(`/api/knowledge/search-cached?q=${encodeURIComponent(q)}`, KEYS.reader);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('unavailable');
    expect((await res.json() as any).results[0].path).toBe('breaker.md');
  });

  it('answers unavailable from a sidecar that accepts and never answers, once the client timeout passes', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((s) => { sockets.add(s); });
    const port = await freePort();
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    extra.push({ close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); silent.close(() => r()); }) });
    const slow = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: `http://127.0.0.1:${port}`, CACHE_CLIENT_TIMEOUT_MS: '50' });
    extra.push(slow);
    const res = await slow.call(`/api/knowledge/search-cached?q=${encodeURIComponent(fresh())}`, KEYS.reader);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('unavailable');
    expect(sockets.size).toBeGreaterThan(0);
  });

  it('the stopped sidecar of a running app: unavailable, then cached again once a sidecar is back on the port', async () => {
    const own = await runSidecar(new MemoryStore());
    const port = Number(new URL(own.base).port);
    const a = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: own.base });
    extra.push(a);
    const q = encodeURIComponent(fresh());
    expect((await a.call(`/api/knowledge/search-cached?q=${q}`, KEYS.reader)).headers.get('x-cache')).toBe('miss');
    await own.close();
    const res = await a.call(`/api/knowledge/search-cached?q=${q}`, KEYS.reader);
    expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'unavailable']);
    // A new sidecar on the same port (a restarted container): the app's pooled client finds it without a restart of its own.
    const { createCacheSidecar } = await import('#pkg/cachesidecar/index.ts');
    const { Metrics } = await import('#pkg/metrics/index.ts');
    const { createLogger } = await import('#pkg/log/index.ts');
    const back = createCacheSidecar({ store: new MemoryStore(), policy: TEST_POLICY, metrics: new Metrics({ defaultMetrics: false }), logger: createLogger({ name: 't', level: 'silent' }) });
    await back.listen({ port, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' });
    extra.push(back);
    expect((await a.call(`/api/knowledge/search-cached?q=${q}`, KEYS.reader)).headers.get('x-cache')).toBe('miss');
    expect((await a.call(`/api/knowledge/search-cached?q=${q}`, KEYS.reader)).headers.get('x-cache')).toBe('hit');
  });
});

describe('feature flags', () => {
  it('distributed-cache off for one tenant: that tenant bypasses the sidecar, the others still use it', async () => {
    const file = join(docs, '..', `flags-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(file, 'distributed-cache:\n  default: true\n  tenants:\n    beta: false\n');
    const flagged = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: sidecar.base, APP_FLAGS_FILE: file });
    extra.push({ close: async () => { await flagged.close(); rmSync(file, { force: true }); } });
    const q = encodeURIComponent(fresh());
    const before = await sidecar.metrics.text();
    for (let i = 0; i < 2; i++) {
      const res = await flagged.call(`/api/knowledge/search-cached?q=${q}`, KEYS.readerBeta);
      expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'bypass']);
      expect((await res.json() as any).results[0].path).toBe('breaker.md');
    }
    expect(await sidecar.metrics.text()).toBe(before);
    expect((await flagged.call(`/api/knowledge/search-cached?q=${q}`, KEYS.reader)).headers.get('x-cache')).toBe('miss');
  });

  it('APP_FLAG_DISTRIBUTED_CACHE=off switches every tenant to bypass', async () => {
    const off = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: sidecar.base, APP_FLAG_DISTRIBUTED_CACHE: 'off' });
    extra.push(off);
    for (const key of [KEYS.reader, KEYS.readerGlobex]) expect((await off.call(`/api/knowledge/search-cached?q=breaker`, key)).headers.get('x-cache')).toBe('bypass');
  });
});

describe('security headers', () => {
  const HELMET = ['content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
  const security = (res: Response) => Object.fromEntries(HELMET.map((h) => [h, res.headers.get(h)]));

  it('are the same with and without the cache (which only adds X-Cache), on errors too', async () => {
    const plain = await app.call('/api/knowledge/search?q=breaker', KEYS.reader);
    const hit = await cached('breaker');
    const bad = await app.call('/api/knowledge/search-cached?q=', KEYS.reader);
    const unauth = await app.call('/api/knowledge/search-cached?q=breaker', null);
    const sec = security(plain);
    expect(sec['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(sec['content-security-policy']).toContain("default-src 'self'");
    expect(sec['x-content-type-options']).toBe('nosniff');
    expect(sec['x-frame-options']).toBe('SAMEORIGIN');
    for (const other of [hit, bad, unauth]) expect(security(other)).toEqual(sec);
    expect(plain.headers.get('x-powered-by')).toBeNull();
    const extraHeaders = [...hit.headers.keys()].filter((h) => !plain.headers.has(h));
    expect(extraHeaders).toEqual(['x-cache']);
  });
});

describe('health', () => {
  it('/healthz, /readyz once indexed, reindex by an admin only', async () => {
    expect((await app.call('/healthz')).status).toBe(200);
    expect(await (await app.call('/readyz')).json() as any).toEqual({ ready: true });
    expect((await app.call('/api/knowledge/reindex', KEYS.reader, { method: 'POST' })).status).toBe(403);
    const re = await app.call('/api/knowledge/reindex', KEYS.admin, { method: 'POST' });
    expect(re.status).toBe(200);
    expect((await re.json() as any).documents).toBe(3);
  });

  it('an unknown route is a 404 in the error shape', async () => {
    const res = await app.call('/api/nope', KEYS.reader);
    expect(res.status).toBe(404);
    expect((await res.json() as any).error.code).toBe('not_found');
  });
});
