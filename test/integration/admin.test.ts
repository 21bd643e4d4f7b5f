/**
 * The admin router in a small express app like the real one (helmet,
 * cookie-parser, body parsers, the app's error handler), with the real
 * Authenticator; its sources are real local HTTP servers and the fake
 * Kubernetes API, bull-board shows a real BullMQ queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import { Queue } from 'bullmq';
import { Authenticator, SESSION_COOKIE } from '#pkg/app/auth.ts';
import { parseApiKeys } from '#pkg/app/principal.ts';
import { errorHandler, notFoundHandler } from '#pkg/app/errors.ts';
import { createAdminRouter, type AdminDeps } from '#pkg/app/admin/index.ts';
import { captureLogs, createLogger } from '#pkg/log/index.ts';
import { loadKubeConfig } from '#pkg/k8s/index.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { freePort } from '../fixtures/ports.ts';

const ADMIN_KEY = 'admin-key-0123456789-secret';
const READER_KEY = 'reader-key-0123456789-secret';
const SESSION_SECRET = 'session-secret-for-the-admin-test';

const SIDECAR_STATUS = { backend: 'memory', breaker: { state: 'closed', consecutiveFailures: 0, lastError: '', openSince: null }, opTimeoutMs: 100, memory: {}, ttlPolicy: {} };
const PROXY_STATUS = { providers: {
  mock: { breaker: 'closed', window: { calls: 4, failures: 1, errorPct: 25 }, lastError: { kind: 'server', at: '2026-12-02T08:00:00.000Z' } },
  openai: { breaker: 'open', window: { calls: 10, failures: 10, errorPct: 100 }, lastError: { kind: 'timeout', at: '2026-12-02T08:00:01.000Z' } },
} };
const WORKER_QUEUES = { queues: [{
  queue: 'render', status: 'healthy', reasons: [], source: 'collector', readAt: 1, readyBacklog: 7, oldestReadyAgeSeconds: 1.5, isPaused: false,
  capacity: { workers: 2, totalConcurrency: 8, utilization: 0.5, backlogPerSlot: 0.9 }, autoscaling: null,
  local: { errorRatio: { '1m': 0, '5m': 0.02 }, lagSeconds: { p50: 0.1, p95: 0.4, p99: 1 } },
}] };

interface JsonServer { url: string; server: Server; hang: boolean; status: number }

async function jsonServer(path: string, body: unknown): Promise<JsonServer> {
  const s = { hang: false, status: 200 } as JsonServer;
  s.server = http.createServer((req, res) => {
    if (s.hang) return; // never answers: the overview must give up on its own
    if (req.url !== path) { res.writeHead(404).end(); return; }
    res.writeHead(s.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
  s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
  return s;
}

/** The overview and error bodies as loose JSON: the tests look at the fields. */
const jsonOf = (res: Response): Promise<any> => res.json();

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

interface AdminApp { base: string; logs: () => string; close: () => Promise<void> }

async function startAdminApp(overrides: Partial<AdminDeps> = {}): Promise<AdminApp> {
  const logs = captureLogs();
  const logger = createLogger({ name: 'admin-test', level: 'debug', destination: logs.stream });
  const auth = new Authenticator({ apiKeys: parseApiKeys({ [ADMIN_KEY]: { tenant: 'ops', roles: ['admin'] }, [READER_KEY]: { tenant: 'acme', roles: ['knowledge:read'] } }) });
  const app = express();
  app.use(helmet());
  app.use(cookieParser(SESSION_SECRET));
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());
  app.use(createAdminRouter({
    auth, logger,
    cacheOutcomes: () => ({ '/api/knowledge/search-cached': { hit: 3, miss: 1, unavailable: 2, bypass: 0 } }),
    urls: { cacheSidecarAdmin: sidecar.url, llmProxyAdmin: proxy.url, workerHealth: worker.url },
    queues: [],
    k8sNamespace: 'apps',
    kubeConfig: loadKubeConfig({ server: kube.url }),
    // Generous: a loaded machine must not turn a local answer into a timeout (the silent source's test sets its own).
    fetchTimeoutMs: 5_000,
    ...overrides,
  }));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logs: () => logs.text(), close: () => closeServer(server) };
}

let sidecar: JsonServer;
let proxy: JsonServer;
let worker: JsonServer;
let kube: FakeKubeApi;
let main: AdminApp;

beforeAll(async () => {
  [sidecar, proxy, worker, kube] = await Promise.all([
    jsonServer('/v1/status', SIDECAR_STATUS), jsonServer('/v1/status', PROXY_STATUS), jsonServer('/v1/queues', WORKER_QUEUES), startKubeApi(),
  ]);
  kube.store.put('queueautoscalers', {
    apiVersion: 'autoscaling.pilotfish.dev/v1alpha1', kind: 'QueueAutoscaler',
    metadata: { name: 'render', namespace: 'apps' },
    spec: { scaleTargetRef: { name: 'render-worker' }, queue: { name: 'render' }, maxReplicas: 5, targets: { backlogPerReplica: 10 } },
    status: {
      currentReplicas: 1, desiredReplicas: 3, lastScaleTime: '2026-12-02T08:00:00Z',
      lastMetrics: { readyBacklog: 25, oldestReadyAgeSeconds: 4, readTime: '2026-12-02T08:00:00Z' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'scaled to 3', lastTransitionTime: '2026-12-02T08:00:00Z' }],
    },
  });
  kube.store.put('queueautoscalers', { metadata: { name: 'elsewhere', namespace: 'other' }, spec: {} });
  main = await startAdminApp();
});

afterAll(async () => {
  await main?.close();
  await Promise.all([sidecar, proxy, worker].map((s) => s && closeServer(s.server)));
  await kube?.close();
});

/** A sign-in as the browser sends it: a urlencoded form with this host as Origin. */
function signIn(app: AdminApp, key: string, headers: Record<string, string> = { origin: app.base }) {
  return fetch(`${app.base}/admin/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ key }).toString(),
  });
}

async function sessionCookie(app: AdminApp): Promise<string> {
  const res = await signIn(app, ADMIN_KEY);
  expect(res.status).toBe(303);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0];
}

describe('admin sign-in', () => {
  it('sends a browser without a session to the sign-in form, served under helmet\'s CSP', async () => {
    const page = await fetch(`${main.base}/admin`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login');
    const form = await fetch(`${main.base}/admin/login`);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(form.headers.get('referrer-policy')).toBe('same-origin');
    expect(await form.text()).toContain('action="/admin/login"');
  });

  it('signs in with an admin key: an HttpOnly SameSite=Strict signed cookie without the key, then the dashboard', async () => {
    const res = await signIn(main, ADMIN_KEY);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/pf_session=s%3A/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(ADMIN_KEY);
    const cookie = setCookie.split(';')[0];
    const page = await fetch(`${main.base}/admin`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('/admin/assets/admin.js');
    expect(html).toMatch(/Signed in as <span id="principal">key:[0-9a-f]{16}<\/span>/);
    expect(html).not.toContain(ADMIN_KEY);
    expect(main.logs()).toContain('admin signed in');
  });

  it('answers a wrong key with 401 and the form again, no cookie, the key neither echoed nor logged', async () => {
    const wrong = 'not-a-configured-key-4242424242';
    const res = await signIn(main, wrong);
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    const html = await res.text();
    expect(html).toContain('Unknown API key.');
    expect(html).not.toContain(wrong);
    expect(main.logs()).toContain('admin sign-in failed');
    expect(main.logs()).not.toContain(wrong);
    expect(main.logs()).not.toContain(ADMIN_KEY);
  });

  it('answers an empty key with 400', async () => {
    const res = await signIn(main, '');
    expect(res.status).toBe(400);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a valid key without the admin role with 403 and no session', async () => {
    const res = await signIn(main, READER_KEY);
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.text()).toContain('does not have the admin role');
  });

  it('refuses a sign-in posted from another site, or with neither Origin nor Referer (CSRF)', async () => {
    for (const headers of [{ origin: 'http://evil.example' }, { referer: 'http://evil.example/page' }, {} as Record<string, string>]) {
      const res = await signIn(main, ADMIN_KEY, headers);
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await res.text()).toContain('must be sent from this site');
    }
    const viaReferer = await signIn(main, ADMIN_KEY, { referer: `${main.base}/admin/login` });
    expect(viaReferer.status).toBe(303);
  });

  it('decides by Sec-Fetch-Site when the browser sends it (Origin is "null" under no-referrer)', async () => {
    const crossSite = await signIn(main, ADMIN_KEY, { 'sec-fetch-site': 'cross-site', origin: main.base });
    expect(crossSite.status).toBe(403);
    const sameOrigin = await signIn(main, ADMIN_KEY, { 'sec-fetch-site': 'same-origin', origin: 'null' });
    expect(sameOrigin.status).toBe(303);
  });

  it('signs out: the cookie is cleared and the dashboard sends the browser back to the form', async () => {
    const cookie = await sessionCookie(main);
    const refused = await fetch(`${main.base}/admin/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example' } });
    expect(refused.status).toBe(403);
    const res = await fetch(`${main.base}/admin/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: main.base } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login');
    expect(res.headers.getSetCookie().join()).toMatch(/pf_session=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('sends a forged session cookie to the form and clears it', async () => {
    const res = await fetch(`${main.base}/admin`, { redirect: 'manual', headers: { cookie: `${SESSION_COOKIE}=s%3Aj%3A%7B%7D.forged` } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login');
    expect(res.headers.getSetCookie().join()).toMatch(/pf_session=;/);
  });

  it('serves the page\'s script and style sheet to anyone (the sign-in form needs them)', async () => {
    const js = await fetch(`${main.base}/admin/assets/admin.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('/admin/api/overview');
    expect((await fetch(`${main.base}/admin/assets/admin.css`)).headers.get('content-type')).toMatch(/text\/css/);
  });
});

describe('GET /admin/api/overview', () => {
  it('is 401 JSON without credentials and 403 for a key without the admin role', async () => {
    const anonymous = await fetch(`${main.base}/admin/api/overview`);
    expect(anonymous.status).toBe(401);
    expect((await jsonOf(anonymous)).error.code).toBe('unauthorized');
    const reader = await fetch(`${main.base}/admin/api/overview`, { headers: { authorization: `Bearer ${READER_KEY}` } });
    expect(reader.status).toBe(403);
    expect((await jsonOf(reader)).error.code).toBe('forbidden');
  });

  it('gathers every source for a session and for an admin key', async () => {
    const cookie = await sessionCookie(main);
    const res = await fetch(`${main.base}/admin/api/overview`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const o = await jsonOf(res);
    expect(o.cache.routes).toEqual([{ route: '/api/knowledge/search-cached', counts: { hit: 3, miss: 1, unavailable: 2, bypass: 0 }, total: 6, hitRatio: 0.75 }]);
    expect(o.sidecar).toEqual({ status: 'ok', backend: 'memory', opTimeoutMs: 100, breaker: { state: 'closed', consecutiveFailures: 0, lastError: null, openSince: null } });
    expect(o.llm.providers.map((p: { name: string; breaker: string; errorPct: number }) => [p.name, p.breaker, p.errorPct])).toEqual([['mock', 'closed', 25], ['openai', 'open', 100]]);
    expect(o.queues.queues).toEqual([{ name: 'render', health: 'healthy', reasons: [], source: 'collector', backlog: 7, oldestReadyAgeSeconds: 1.5, lagP95Seconds: 0.4, errorRatio: 0.02, workers: 2, paused: false }]);
    expect(o.autoscalers).toMatchObject({ status: 'ok', cluster: 'reachable', namespace: 'apps' });
    // Only the configured namespace is listed.
    expect(o.autoscalers.items).toEqual([expect.objectContaining({
      name: 'render', namespace: 'apps', target: 'render-worker', currentReplicas: 1, desiredReplicas: 3,
      ready: { status: 'True', reason: 'Reconciled', message: 'scaled to 3' },
      lastMetrics: { readyBacklog: 25, oldestReadyAgeSeconds: 4, lagP95Seconds: null, readTime: '2026-12-02T08:00:00Z' },
    })]);
    const viaKey = await fetch(`${main.base}/admin/api/overview`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(viaKey.status).toBe(200);
  });

  it('shows a failed, silent or refused source as unreachable and still answers 200 with the others', async () => {
    const closedPort = await freePort();
    proxy.hang = true;
    worker.status = 500;
    kube.inject({ method: 'GET', path: /queueautoscalers/, status: 500 });
    try {
      const app = await startAdminApp({ urls: { cacheSidecarAdmin: `http://127.0.0.1:${closedPort}`, llmProxyAdmin: proxy.url, workerHealth: worker.url }, fetchTimeoutMs: 1_500 });
      try {
        const res = await fetch(`${app.base}/admin/api/overview`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        expect(res.status).toBe(200);
        const o = await jsonOf(res);
        expect(o.sidecar).toEqual({ status: 'unreachable', error: 'connection refused' });
        expect(o.llm).toEqual({ status: 'unreachable', error: 'timeout' });
        expect(o.queues).toEqual({ status: 'unreachable', error: 'HTTP 500' });
        expect(o.autoscalers).toEqual({ status: 'unreachable', cluster: 'unreachable', error: 'HTTP 500' });
        expect(o.cache.routes).toHaveLength(1);
      } finally {
        await app.close();
      }
    } finally {
      proxy.hang = false;
      worker.status = 200;
    }
  });

  it('says "no cluster" without a Kubernetes configuration', async () => {
    const app = await startAdminApp({ kubeConfig: null, k8sNamespace: null });
    try {
      const o = await jsonOf(await fetch(`${app.base}/admin/api/overview`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }));
      expect(o.autoscalers).toEqual({ status: 'none', cluster: 'none' });
      expect(o.sidecar.status).toBe('ok');
    } finally {
      await app.close();
    }
  });

  it('lists autoscalers of every namespace when none is configured', async () => {
    const app = await startAdminApp({ k8sNamespace: null });
    try {
      const o = await jsonOf(await fetch(`${app.base}/admin/api/overview`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }));
      expect(o.autoscalers.items.map((i: { namespace: string; name: string }) => `${i.namespace}/${i.name}`)).toEqual(['apps/render', 'other/elsewhere']);
    } finally {
      await app.close();
    }
  });
});

describe('bull-board under /admin/queues', () => {
  let queue: Queue;
  let app: AdminApp;
  const name = `admin-board-${process.pid}`;

  beforeAll(async () => {
    queue = new Queue(name, { connection: { url: sharedRedisUrl() } });
    await queue.add('page', { n: 1 });
    app = await startAdminApp({ queues: [queue] });
  });
  afterAll(async () => {
    await app?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
  });

  it('is behind the admin role: the form for a browser without a session, the form with a reason for another role', async () => {
    const anonymous = await fetch(`${app.base}/admin/queues/`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/admin/login');
    const reader = await fetch(`${app.base}/admin/queues/api/queues`, { headers: { 'x-api-key': READER_KEY } });
    expect(reader.status).toBe(403);
  });

  it('serves its page with only same-origin scripts, and its API lists the queue', async () => {
    const cookie = await sessionCookie(app);
    const page = await fetch(`${app.base}/admin/queues/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('x-powered-by')).toBeNull();
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/"');
    // Scripts: external files under the base path only (helmet's script-src 'self').
    expect(html.match(/<script(?![^>]*type="application\/json")[^>]*>/g)?.every((tag) => /src="static\/js\//.test(tag))).toBe(true);
    const api = await fetch(`${app.base}/admin/queues/api/queues?activeQueue=${name}&status=latest&page=1`, { headers: { cookie } });
    expect(api.status).toBe(200);
    expect(JSON.stringify(await jsonOf(api))).toContain(name);
  });

  it('refuses a queue change sent with the session from another origin, and makes it from the page\'s own', async () => {
    const cookie = await sessionCookie(app);
    const res = await fetch(`${app.base}/admin/queues/api/queues/${name}/pause`, { method: 'PUT', headers: { cookie, origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    expect((await jsonOf(res)).error.code).toBe('cross_origin');
    expect(await queue.isPaused()).toBe(false);
    const same = await fetch(`${app.base}/admin/queues/api/queues/${name}/pause`, { method: 'PUT', headers: { cookie, origin: app.base } });
    expect(same.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    await queue.resume();
  });

  it('explains itself when the app has no queues', async () => {
    const cookie = await sessionCookie(main);
    const res = await fetch(`${main.base}/admin/queues/`, { headers: { cookie } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('REDIS_URL');
  });
});
