/**
 * The admin page end to end, in headless Chromium: the real cache sidecar
 * (memory backend), LLM proxy (mock provider), render worker and app
 * binaries; a person signs in through the form with an admin key, traffic
 * goes through the app with another key, and the page shows the live figures.
 * With UPDATE_SCREENSHOT=1 the page is saved to docs/img/admin.png (else to a
 * temporary folder, so a CI run never writes into the tree).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Queue } from 'bullmq';
import { freePort } from '../fixtures/ports.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { startBinary, waitForOk, type Binary } from './stack.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'e2e-admin-key-7c1f0e9a2b4d6f8e';
const USER_KEY = 'e2e-user-key-3a5c7e9b1d2f4a6c';
const SEARCH_ROUTE = '/api/knowledge/search-cached';
const SCRATCH = process.env.UPDATE_SCREENSHOT === '1' ? null : mkdtempSync(join(tmpdir(), 'pilotfish-admin-'));
const SCREENSHOT = SCRATCH ? join(SCRATCH, 'admin.png') : fileURLToPath(new URL('../../docs/img/admin.png', import.meta.url));

if (!existsSync(CHROMIUM)) {
  throw new Error(`the admin end-to-end test drives Debian's chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
}

const binaries: Binary[] = [];
const PREFIX = `e2e-admin-${process.pid}`;
let appUrl = '';
let browser: Browser;
let page: Page;
const browserProblems: string[] = [];

beforeAll(async () => {
  const [cacheData, cacheAdmin, llmData, llmAdmin, workerAdmin, appPort] = await Promise.all(Array.from({ length: 6 }, freePort));
  // Queue "render" as users have it, under a prefix of this run's own in the shared Redis.
  const queueEnv = { REDIS_URL: sharedRedisUrl(), RENDER_QUEUE: 'render', BULLMQ_PREFIX: PREFIX };
  const sidecar = startBinary('cache-sidecar', {
    CACHE_BACKEND: 'memory', CACHE_SIDECAR_HOST: '127.0.0.1', CACHE_SIDECAR_PORT: String(cacheData), CACHE_SIDECAR_ADMIN_HOST: '127.0.0.1', CACHE_SIDECAR_ADMIN_PORT: String(cacheAdmin),
  });
  const proxy = startBinary('llm-proxy', {
    LLM_PROXY_HOST: '127.0.0.1', LLM_PROXY_PORT: String(llmData), LLM_PROXY_ADMIN_HOST: '127.0.0.1', LLM_PROXY_ADMIN_PORT: String(llmAdmin),
  });
  const worker = startBinary('worker', {
    ...queueEnv, WORKER_ADMIN_HOST: '127.0.0.1', WORKER_ADMIN_PORT: String(workerAdmin), QUEUE_COLLECT_INTERVAL_MS: '1s',
  });
  const app = startBinary('app', {
    APP_HOST: '127.0.0.1', APP_PORT: String(appPort),
    APP_API_KEYS: JSON.stringify({ [ADMIN_KEY]: { tenant: 'ops', roles: ['admin'] }, [USER_KEY]: { tenant: 'acme', roles: ['knowledge:read', 'chat:use', 'render:submit'] } }),
    APP_SESSION_SECRET: 'e2e-session-secret-0123456789abcdef',
    KNOWLEDGE_DIR: 'docs', KNOWLEDGE_WATCH: 'false',
    CACHE_SIDECAR_URL: `http://127.0.0.1:${cacheData}`, CACHE_SIDECAR_ADMIN_URL: `http://127.0.0.1:${cacheAdmin}`,
    LLM_PROXY_URL: `http://127.0.0.1:${llmData}`, LLM_PROXY_ADMIN_URL: `http://127.0.0.1:${llmAdmin}`,
    WORKER_HEALTH_URL: `http://127.0.0.1:${workerAdmin}`,
    ...queueEnv,
    // The proxy has no provider key: chats ask its mock provider, as `npm start` does.
    APP_FLAG_LLM_REAL_PROVIDER: 'off',
    // No cluster here, whatever the machine has: the page must say so.
    KUBECONFIG: '/nonexistent/kubeconfig',
  });
  binaries.push(sidecar, proxy, worker, app);
  appUrl = `http://127.0.0.1:${appPort}`;
  await Promise.all([
    waitForOk(sidecar, `http://127.0.0.1:${cacheAdmin}/readyz`),
    waitForOk(proxy, `http://127.0.0.1:${llmAdmin}/readyz`),
    waitForOk(worker, `http://127.0.0.1:${workerAdmin}/readyz`),
    waitForOk(app, `${appUrl}/readyz`),
  ]);
  const admin = await fetch(`${appUrl}/admin`, { redirect: 'manual' });
  if (admin.status !== 303) throw new Error(`cmd/app answers GET /admin with ${admin.status}: createAdminRouter is not mounted (pkg/app/service.ts)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // bull-board links Google Fonts; this machine is offline, so an empty style sheet stands in.
  await page.route('https://fonts.googleapis.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
  page.on('console', (m) => { if (m.type() === 'error') browserProblems.push(m.text()); });
  page.on('pageerror', (err) => browserProblems.push(err.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(binaries.map((b) => b.stop()));
  const queue = new Queue('render', { connection: { url: sharedRedisUrl() }, prefix: PREFIX });
  await queue.obliterate({ force: true }).finally(() => queue.close());
  if (SCRATCH) rmSync(SCRATCH, { recursive: true, force: true });
});

async function search(q: string): Promise<string | null> {
  const res = await fetch(`${appUrl}${SEARCH_ROUTE}?q=${encodeURIComponent(q)}`, { headers: { 'x-api-key': USER_KEY } });
  expect(res.status).toBe(200);
  await res.body?.cancel();
  return res.headers.get('x-cache');
}

const text = (selector: string) => page.locator(selector).first().textContent({ timeout: 5_000 }).then((t) => t?.trim() ?? '');
const eventually = (selector: string, expected: string) => expect.poll(() => text(selector), { timeout: 10_000 }).toBe(expected);
const cacheCell = (cls: string) => text(`#cache-table tr[data-route="${SEARCH_ROUTE}"] td.${cls}`);

describe('the admin page in Chromium', () => {
  it('signs in through the form with an admin key', async () => {
    await page.goto(`${appUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('#key', ADMIN_KEY);
    await Promise.all([page.waitForURL(`${appUrl}/admin`), page.click('button[type="submit"]')]);
    expect(await text('#principal')).toMatch(/^key:[0-9a-f]{16}$/);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'pf_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session?.value).not.toContain(ADMIN_KEY);
  });

  it('shows the live cache figures, sidecar, LLM provider, queue and "no cluster"', async () => {
    // Two queries, one asked three times: 2 misses then 2 hits.
    expect(await search('cache sidecar')).toBe('miss');
    expect(await search('cache sidecar')).toBe('hit');
    expect(await search('cache sidecar')).toBe('hit');
    expect(await search('autoscaler')).toBe('miss');
    // A chat so the proxy's provider window has calls.
    const chat = await fetch(`${appUrl}/api/chat`, { method: 'POST', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }) });
    expect(chat.status).toBe(200);
    expect(await chat.text()).toContain('event: done');

    await expect.poll(() => cacheCell('hit'), { timeout: 10_000 }).toBe('2');
    expect(await cacheCell('miss')).toBe('2');
    expect(await cacheCell('hit-ratio')).toBe('50.0 %');
    expect(await cacheCell('unavailable')).toBe('0');
    // The headline ratio is over every cached route (the chat's knowledge lookups have their own row).
    const rows = await page.locator('#cache-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('.hit')?.textContent, tr.querySelector('.miss')?.textContent].map(Number)));
    const [hits, misses] = rows.reduce(([h, m], [rh, rm]) => [h + rh, m + rm], [0, 0]);
    expect(await text('#tile-hit-ratio')).toBe(`${((hits / (hits + misses)) * 100).toFixed(1)} %`);
    // Source figures are polled for: on a loaded machine one poll may find a source late (shown unreachable).
    await eventually('#sidecar-backend', 'memory');
    await eventually('#sidecar-breaker', 'closed');
    await eventually('#tile-sidecar', 'closed');
    await expect.poll(() => text('#llm-table tr[data-provider="mock"] td.calls'), { timeout: 10_000 }).toMatch(/^[1-9]/);
    await eventually('#llm-table tr[data-provider="mock"] td.breaker', 'closed');
    await eventually('#llm-table tr[data-provider="mock"] td.error-rate', '0.0 %');
    await eventually('#queues-table tr[data-queue="render"] td.health', 'healthy');
    await expect.poll(() => text('#autoscalers-table td.empty'), { timeout: 10_000 }).toMatch(/^No cluster/);
    await eventually('#poll-state', 'live');

    // The page keeps polling: new traffic shows without a reload.
    expect(await search('autoscaler')).toBe('hit');
    await expect.poll(() => cacheCell('hit'), { timeout: 10_000 }).toBe('3');
    expect(await cacheCell('hit-ratio')).toBe('60.0 %');

    // Render jobs through the app to the real worker: its health API then has lag and an error ratio.
    for (let i = 0; i < 3; i++) {
      const job = await fetch(`${appUrl}/api/render`, { method: 'POST', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ template: '# Hello {{name}}', data: { name: `admin ${i}` } }) });
      expect(job.status).toBe(201);
    }
    await expect.poll(() => text('#queues-table tr[data-queue="render"] td.error-ratio'), { timeout: 15_000 }).toBe('0.0 %');
    await expect.poll(() => text('#queues-table tr[data-queue="render"] td.lag'), { timeout: 10_000 }).toMatch(/^\d+ ms$|^[\d.]+ s$/);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('opens bull-board under /admin/queues, its scripts running under the app\'s CSP', async () => {
    await page.goto(`${appUrl}/admin/queues/`);
    await expect.poll(() => page.locator('a[href$="queue/render"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
  });

  it('shows a stopped sidecar as unreachable and counts the answers it could not serve, the rest of the page unchanged', async () => {
    await page.goto(`${appUrl}/admin`);
    await eventually('#sidecar-breaker', 'closed');
    await binaries.find((b) => b.name === 'cache-sidecar')!.stop();
    expect(await search('cache sidecar')).toBe('unavailable');
    await expect.poll(() => text('#sidecar-status'), { timeout: 10_000 }).toBe('unreachable: connection refused');
    await eventually('#tile-sidecar', 'unreachable');
    await eventually(`#cache-table tr[data-route="${SEARCH_ROUTE}"] td.unavailable`, '1');
    // The ratio counts only answers that asked the cache: the unavailable one leaves it as it was.
    expect(await cacheCell('hit-ratio')).toBe('60.0 %');
    await eventually('#llm-table tr[data-provider="mock"] td.breaker', 'closed');
    await eventually('#poll-state', 'live');
  });

  it('ran without a CSP violation or script error, and no key reached any process output', async () => {
    expect(browserProblems).toEqual([]);
    for (const b of binaries) {
      expect(b.output()).not.toContain(ADMIN_KEY);
      expect(b.output()).not.toContain(USER_KEY);
    }
  });

  it('signs out and is sent back to the form', async () => {
    await page.goto(`${appUrl}/admin`);
    await Promise.all([page.waitForURL(`${appUrl}/admin/login`), page.click('form[action="/admin/logout"] button')]);
    await page.goto(`${appUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
  });
});
