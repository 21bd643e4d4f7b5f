import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { KEYS, knowledgeFolder, startTestApp, type TestApp } from '../fixtures/app.ts';
import { eventually } from '../fixtures/poll.ts';
import { freePort } from '../fixtures/ports.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';

const QUEUE = `render-app-test-${randomBytes(4).toString('hex')}`;
let docs: string;
let app: TestApp;
let worker: ChildProcess;
let workerExited: Promise<void>;
let queue: Queue;

beforeAll(async () => {
  docs = knowledgeFolder();
  // The worker binary as `npm run start:worker` runs it, on its own queue.
  worker = spawn(process.execPath, ['cmd/worker/main.ts'], {
    env: { PATH: process.env.PATH, REDIS_URL: sharedRedisUrl(), RENDER_QUEUE: QUEUE, WORKER_ADMIN_HOST: '127.0.0.1', WORKER_ADMIN_PORT: String(await freePort()), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  workerExited = new Promise((resolve) => worker.once('exit', () => resolve()));
  app = await startTestApp({ KNOWLEDGE_DIR: docs, REDIS_URL: sharedRedisUrl(), RENDER_QUEUE: QUEUE, CACHE_SIDECAR_URL: 'http://127.0.0.1:1' });
  queue = new Queue(QUEUE, { connection: new Redis(sharedRedisUrl(), { maxRetriesPerRequest: null }) });
});
afterAll(async () => {
  await app?.close();
  worker?.kill('SIGTERM');
  await workerExited;
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  rmSync(docs, { recursive: true, force: true });
});

const submit = (body: unknown, key: string = KEYS.render) => app.call('/api/render', key, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('render jobs', () => {
  it('enqueues (201 with the id), the real worker renders it, and GET returns the HTML', async () => {
    const res = await submit({ template: '# Hello {{name}}\n\n{{note}}', data: { name: 'Ada', note: '<script>x</script>' } });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as any;
    expect(res.headers.get('location')).toBe(`/api/render/${id}`);
    let body: any;
    await eventually(async () => {
      body = await (await app.call(`/api/render/${id}`, KEYS.render)).json();
      return body.state === 'completed';
    }, 'the render job completed', 15_000);
    expect(body.html).toContain('<h1>Hello Ada</h1>');
    // Mustache escapes values: the data cannot inject markup.
    expect(body.html).not.toContain('<script>');
    const job = await queue.getJob(id);
    expect(job!.data.tenant).toBe('acme');
  });

  it.each([
    ['no template', {}, 'invalid_template'],
    ['a number as template', { template: 42 }, 'invalid_template'],
    ['an array as data', { template: 'x', data: [1] }, 'invalid_data'],
    ['a template over 200 000 characters', { template: 'x'.repeat(200_001) }, 'template_too_large'],
  ])('%s is a 400 %s and nothing is enqueued', async (_name, body, code) => {
    const before = await queue.count();
    const res = await submit(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe(code);
    expect(await queue.count()).toBe(before);
  });

  it('another tenant\'s job answers 404, like a missing one', async () => {
    const { id } = (await (await submit({ template: 'secret' })).json()) as any;
    expect((await app.call(`/api/render/${id}`, KEYS.renderGlobex)).status).toBe(404);
    expect((await app.call('/api/render/00000000-0000-0000-0000-000000000000', KEYS.render)).status).toBe(404);
    expect((await app.call('/api/render/bad:id', KEYS.render)).status).toBe(400);
  });

  it('without a reachable Redis the routes answer 503, never hang', async () => {
    const down = await startTestApp({ KNOWLEDGE_DIR: docs, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RENDER_QUEUE: QUEUE, CACHE_SIDECAR_URL: 'http://127.0.0.1:1' });
    try {
      const res = await down.call('/api/render', KEYS.render, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'x' }) });
      expect(res.status).toBe(503);
      expect(((await res.json()) as any).error.code).toBe('render_unavailable');
    } finally {
      await down.close();
    }
  });

  it('without REDIS_URL at all the routes answer 503 render_unavailable', async () => {
    const none = await startTestApp({ KNOWLEDGE_DIR: docs, CACHE_SIDECAR_URL: 'http://127.0.0.1:1' });
    try {
      const res = await none.call('/api/render', KEYS.render, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'x' }) });
      expect([res.status, ((await res.json()) as any).error.code]).toEqual([503, 'render_unavailable']);
    } finally {
      await none.close();
    }
  });
});
