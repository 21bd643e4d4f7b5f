/**
 * The Upstash endpoint when Redis fails: killed (answers are Upstash-style
 * errors within the op deadline, never a hang, and it recovers after a
 * restart) and hung (the deadline answers, the breaker then answers at once).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { errors } from '@upstash/redis';
import { startRedis } from '../fixtures/redis.ts';
import { redisStore } from './cache-sidecar-helpers.ts';
import { runUpstashSidecar, upstashClient, rest } from './cache-sidecar-upstash-helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}); });

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} not within ${timeoutMs} ms`);
}

/** Milliseconds each of `n` calls took, each expected to fail with an UpstashError saying the backend is unavailable. */
async function failingCalls(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const err = await call().then(() => undefined, (e: unknown) => e);
    ms.push(performance.now() - t0);
    expect(err).toBeInstanceOf(errors.UpstashError);
    expect((err as Error).message).toMatch(/cache backend unavailable/);
  }
  return ms.sort((a, b) => a - b);
}

describe('Upstash endpoint, Redis killed', () => {
  it('answers with an error within the op deadline, never hangs, and recovers after a restart', async () => {
    const r = await startRedis();
    cleanups.push(() => r.stop());
    const s = await runUpstashSidecar({ redisUrl: r.url, prefix: 'pfupf', grants: [{ tenant: 'acme' }], store: redisStore(r.url, 'pfupf'), opTimeoutMs: 100 });
    cleanups.push(() => s.close());
    const client = upstashClient(s, 'acme');
    expect(await client.set('k', 'v1')).toBe('OK');

    await r.kill();
    const ms = await failingCalls(12, () => client.get('k'));
    // Within the op timeout (100 ms), with room for the test's own scheduling on a shared machine.
    expect(ms[Math.floor(ms.length / 2)]).toBeLessThan(100 + 150);
    expect(ms.at(-1)).toBeLessThan(1000);
    for (const path of ['/upstash/pipeline', '/upstash/multi-exec']) {
      const res = await rest(s, path, { body: [['get', 'k']], token: s.tokens.acme });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'ERR cache backend unavailable; continue uncached' });
      expect(res.syncToken).toBeTruthy();
    }
    const metrics = await (await fetch(`${s.admin}/metrics`)).text();
    expect(metrics).toMatch(/cache_upstash_requests_total\{[^}]*result="unavailable"[^}]*\} [1-9]/);

    await r.restart();
    // Nothing persisted: write again once the sidecar takes writes.
    await until('writes after restart', async () => (await client.set('k', 'v2')) === 'OK', 5000);
    expect(await client.get('k')).toBe('v2');
  });
});

describe('Upstash endpoint, Redis hung', () => {
  it('answers from the deadline while Redis does not, then from the open breaker at once, and serves again after it resumes', async () => {
    const r = await startRedis();
    cleanups.push(() => r.stop());
    const s = await runUpstashSidecar({ redisUrl: r.url, prefix: 'pfupf', grants: [{ tenant: 'acme' }], store: redisStore(r.url, 'pfupf'), opTimeoutMs: 100 });
    cleanups.push(() => s.close());
    const client = upstashClient(s, 'acme');
    expect(await client.set('k', 'v1')).toBe('OK');

    r.pause();
    const ms = await failingCalls(10, () => client.get('k'));
    expect(ms[Math.floor(ms.length / 2)]).toBeLessThan(100 + 150);
    expect(ms.at(-1)).toBeLessThan(1000);
    const status = await (await fetch(`${s.admin}/v1/status`)).json() as { breaker: { state: string } };
    expect(status.breaker.state).toBe('open');
    r.resume();
    await until('reads after resume', async () => (await client.get('k')) === 'v1', 5000);
  });
});
