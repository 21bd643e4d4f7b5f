import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { Redis } from 'ioredis';
import { API_KEYS, KEYS, knowledgeFolder, spawnApp, startTestApp, type AppProcess, type TestApp } from '../fixtures/app.ts';
import { freePort } from '../fixtures/ports.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';

const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
const ISSUER = 'https://id.example.test';
const AUDIENCE = 'pilotfish-app';
let docs: string;
let app: TestApp;
let rsApp: TestApp;
let rsKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let nowSeconds: number;

beforeAll(async () => {
  docs = knowledgeFolder();
  const closed = `http://127.0.0.1:${await freePort()}`;
  const base = { KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: closed, LLM_PROXY_URL: closed };
  app = await startTestApp({ ...base, APP_JWT_SECRET: SECRET, APP_JWT_ISSUER: ISSUER, APP_JWT_AUDIENCE: AUDIENCE });
  const pair = await generateKeyPair('RS256');
  rsKey = pair.privateKey;
  rsApp = await startTestApp({ ...base, APP_JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey) });
  nowSeconds = Math.floor(Date.now() / 1000);
});
afterAll(async () => {
  await app?.close();
  await rsApp?.close();
  rmSync(docs, { recursive: true, force: true });
});

function hs256(claims: Record<string, unknown>, options: { exp?: number; iss?: string; aud?: string; secret?: string } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1')
    .setIssuer(options.iss ?? ISSUER).setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(nowSeconds - 60).setExpirationTime(options.exp ?? nowSeconds + 600)
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** Each route with a request that gets past authorisation and stops at validation or at a missing dependency, never at 401/403. */
const ROUTES = [
  { role: 'knowledge:read', method: 'GET', path: '/api/knowledge/search?q=breaker', expect: 200 },
  { role: 'knowledge:read', method: 'GET', path: '/api/knowledge/search-cached?q=breaker', expect: 200 },
  { role: 'admin', method: 'POST', path: '/api/knowledge/reindex', expect: 200 },
  { role: 'chat:use', method: 'POST', path: '/api/chat', body: {}, expect: 400 },
  { role: 'render:submit', method: 'POST', path: '/api/render', body: { template: 1 }, expect: 400 },
  { role: 'render:submit', method: 'GET', path: '/api/render/abc', expect: 503 },
] as const;
const KEY_OF_ROLE: Record<string, string> = { 'knowledge:read': KEYS.reader, admin: KEYS.admin, 'chat:use': KEYS.chat, 'render:submit': KEYS.render };

function send(a: TestApp, route: (typeof ROUTES)[number], headers: Record<string, string>) {
  const body = 'body' in route ? JSON.stringify(route.body) : undefined;
  return a.call(route.path, null, { method: route.method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body });
}

describe('roles', () => {
  it.each(ROUTES)('$method $path: 401 without credentials, 403 for every other role, through for $role', async (route) => {
    const none = await send(app, route, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as any).error.code).toBe('unauthorized');
    for (const [role, key] of Object.entries(KEY_OF_ROLE)) {
      const res = await send(app, route, { authorization: `Bearer ${key}` });
      if (role === route.role) expect(res.status, role).toBe(route.expect);
      else {
        expect(res.status, role).toBe(403);
        expect(((await res.json()) as any).error).toEqual({ code: 'forbidden', message: `role "${route.role}" is required` });
      }
    }
  });
});

describe('credential kinds', () => {
  const search = (a: TestApp, headers: Record<string, string>) => a.call('/api/knowledge/search?q=breaker', null, { headers });

  it('API key as Bearer and as x-api-key; unknown and malformed are 401 and the key is never logged', async () => {
    expect((await search(app, { authorization: `Bearer ${KEYS.reader}` })).status).toBe(200);
    expect((await search(app, { 'x-api-key': KEYS.reader })).status).toBe(200);
    const unknown = await search(app, { authorization: 'Bearer not-a-configured-key-000000' });
    expect(unknown.status).toBe(401);
    expect((await unknown.text())).not.toContain('not-a-configured-key');
    expect((await search(app, { 'x-api-key': 'nope-nope-nope-nope' })).status).toBe(401);
    expect((await search(app, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })).status).toBe(401);
    for (const key of Object.keys(API_KEYS)) expect(app.logs.text()).not.toContain(key);
  });

  it('HS256 JWT: tenant and roles from claims; expired, wrong issuer, wrong audience, wrong secret and a missing tenant are 401', async () => {
    const ok = await search(app, { authorization: `Bearer ${await hs256({ tenant: 'acme', roles: ['knowledge:read'] })}` });
    expect(ok.status).toBe(200);
    const expired = await search(app, { authorization: `Bearer ${await hs256({ tenant: 'acme', roles: ['knowledge:read'] }, { exp: nowSeconds - 30 })}` });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as any).error.code).toBe('token_expired');
    for (const token of [
      await hs256({ tenant: 'acme', roles: ['knowledge:read'] }, { iss: 'https://evil.test' }),
      await hs256({ tenant: 'acme', roles: ['knowledge:read'] }, { aud: 'someone-else' }),
      await hs256({ tenant: 'acme', roles: ['knowledge:read'] }, { secret: 'another-secret-of-at-least-32-bytes!!!' }),
      await hs256({ roles: ['knowledge:read'] }),
    ]) {
      const res = await search(app, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.code).toBe('invalid_token');
    }
  });

  it('JWT roles decide: a token without the role is 403', async () => {
    const res = await search(app, { authorization: `Bearer ${await hs256({ tenant: 'acme', roles: ['chat:use'] })}` });
    expect(res.status).toBe(403);
  });

  it('RS256 JWT against APP_JWT_PUBLIC_KEY; an HS256 token is refused there', async () => {
    const rs = await new SignJWT({ tenant: 'acme', roles: ['knowledge:read'] }).setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime('5m').sign(rsKey);
    expect((await search(rsApp, { authorization: `Bearer ${rs}` })).status).toBe(200);
    const expired = await new SignJWT({ tenant: 'acme', roles: ['knowledge:read'] }).setProtectedHeader({ alg: 'RS256' }).setIssuedAt(nowSeconds - 600).setExpirationTime(nowSeconds - 60).sign(rsKey);
    expect((await search(rsApp, { authorization: `Bearer ${expired}` })).status).toBe(401);
    expect((await search(rsApp, { authorization: `Bearer ${await hs256({ tenant: 'acme', roles: ['knowledge:read'] })}` })).status).toBe(401);
  });
});

describe('rate limits', () => {
  it('429 with Retry-After and RateLimit-* after the role\'s limit, per principal, in memory without Redis', async () => {
    const limited = await startTestApp({ KNOWLEDGE_DIR: docs, APP_RATE_LIMITS: '{"knowledge:read":3}', CACHE_SIDECAR_URL: 'http://127.0.0.1:1' });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await limited.call('/api/knowledge/search?q=breaker', KEYS.reader);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last!.headers.get('ratelimit-limit')).toBe('3');
      expect(last!.headers.get('ratelimit-remaining')).toBe('0');
      expect(((await last!.json()) as any).error.code).toBe('rate_limited');
      // Another principal has its own budget.
      expect((await limited.call('/api/knowledge/search?q=breaker', KEYS.readerGlobex)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('each route counts against the budget of the role it requires: a key\'s searches do not spend its chats', async () => {
    const limited = await startTestApp({ KNOWLEDGE_DIR: docs, APP_RATE_LIMITS: '{"knowledge:read":3,"chat:use":2}', CACHE_SIDECAR_URL: 'http://127.0.0.1:1', LLM_PROXY_URL: 'http://127.0.0.1:1' });
    try {
      const search = () => limited.call('/api/knowledge/search?q=breaker', KEYS.all).then((r) => r.status);
      // A body the chat route refuses (400) after the limiter has counted it: no LLM call needed.
      const chat = () => limited.call('/api/chat', KEYS.all, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status);
      const searches = [await search(), await search(), await search(), await search()];
      expect(searches).toEqual([200, 200, 200, 429]);
      const chats = [await chat(), await chat(), await chat()];
      expect(chats).toEqual([400, 400, 429]);
      const res = await limited.call('/api/chat', KEYS.all, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.headers.get('ratelimit-limit')).toBe('2');
    } finally {
      await limited.close();
    }
  });

  it('is shared by two app processes on one Redis: the limit holds across them', async () => {
    const key = `rl-key-${randomBytes(8).toString('hex')}`;
    const env = {
      KNOWLEDGE_DIR: docs, REDIS_URL: sharedRedisUrl(), APP_RATE_LIMITS: '{"knowledge:read":5}',
      APP_API_KEYS: JSON.stringify({ [key]: { tenant: 'acme', roles: ['knowledge:read'] } }), CACHE_SIDECAR_URL: 'http://127.0.0.1:1',
    };
    const apps: AppProcess[] = [];
    try {
      apps.push(await spawnApp(env), await spawnApp(env));
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${apps[i % 2].url}/api/knowledge/search?q=breaker`, { headers: { 'x-api-key': key }, signal: AbortSignal.timeout(5000) });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    } finally {
      await Promise.all(apps.map((a) => a.stop()));
      const redis = new Redis(sharedRedisUrl());
      const keys = await redis.keys('pf:rl:*');
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});

describe('start-up', () => {
  it('refuses to start in production without a credential source, naming the variable', async () => {
    await expect(spawnApp({ NODE_ENV: 'production', APP_API_KEYS: '', KNOWLEDGE_DIR: docs })).rejects.toThrow(/APP_API_KEYS/);
  });

  it('refuses a short API key without echoing it', async () => {
    const error = await spawnApp({ APP_API_KEYS: '{"k3y-v4lue":{"tenant":"acme","roles":["admin"]}}', KNOWLEDGE_DIR: docs }).then(() => null, (err: Error) => err);
    expect(error?.message).toMatch(/APP_API_KEYS/);
    expect(error?.message).not.toContain('k3y-v4lue');
  });
});
