/**
 * cmd/cache-sidecar as a process: refuses a bad production environment with
 * exit 1 naming the variable (never its value), serves on its ports, and stops
 * cleanly on SIGTERM.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { freePort } from '../fixtures/ports.ts';
import { eventually } from '../fixtures/poll.ts';

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['cmd/cache-sidecar/main.ts'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

describe('cmd/cache-sidecar', () => {
  it.each([
    [{ UPSTASH_REDIS_REST_URL: 'https://secret-host.upstash.io' }, 'UPSTASH_REDIS_REST_TOKEN', 'secret-host'],
    [{ UPSTASH_REDIS_REST_TOKEN: 'tok-very-secret' }, 'UPSTASH_REDIS_REST_URL', 'tok-very-secret'],
    [{}, 'CACHE_BACKEND', undefined],
    [{ CACHE_BACKEND: 'redis' }, 'REDIS_URL', undefined],
    [{ CACHE_SIDECAR_PORT: 'p4ss-w0rd' }, 'CACHE_SIDECAR_PORT', 'p4ss-w0rd'],
  ])('in production, %j stops start-up with exit 1 naming %s', async (env, variable, secret) => {
    const p = run({ NODE_ENV: 'production', ...env });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain(variable);
    if (secret) expect(p.output()).not.toContain(secret);
  });

  it('serves on its data and admin ports and stops cleanly on SIGTERM', async () => {
    const [dataPort, adminPort] = [await freePort(), await freePort()];
    const p = run({ NODE_ENV: 'production', REDIS_URL: sharedRedisUrl(), CACHE_SIDECAR_PORT: String(dataPort), CACHE_SIDECAR_ADMIN_PORT: String(adminPort), CACHE_KEY_PREFIX: `bin-${dataPort}` });
    await Promise.race([
      eventually(() => p.output().includes('cache sidecar listening'), 'the sidecar to listen', 10_000),
      p.exited.then((code) => { throw new Error(`exited ${String(code)} before listening: ${p.output()}`); }),
    ]);
    const put = await fetch(`http://127.0.0.1:${dataPort}/v1/cache/t/s/k`, { method: 'PUT', body: '{"ok":true}' });
    expect(put.status).toBe(204);
    const get = await fetch(`http://127.0.0.1:${dataPort}/v1/cache/t/s/k`);
    expect(get.headers.get('x-cache-backend')).toBe('redis');
    expect(await get.json()).toEqual({ ok: true });
    expect((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('stopped');
  });
});
