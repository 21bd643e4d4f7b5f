/**
 * The Upstash endpoint when Redis fails: killed (answers are Upstash-style
 * errors at once, never a hang, the breaker opens, and it recovers after a
 * restart) and hung (the op deadline answers, then the open breaker does).
 * Asserted by mechanism (error kinds, counters, breaker state, log lines),
 * not by the clock; a hang would fail on the client's own 3 s abort.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { errors } from '@upstash/redis';
import { eventually } from '../fixtures/queue-helpers.ts';
import { upstashSidecarOnOwnRedis, rest } from './cache-sidecar-upstash-helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}); });

/** `n` calls, each expected to fail with an UpstashError saying the backend is unavailable (a hang would be the client's AbortError instead). */
async function failingCalls(n: number, call: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) {
    const err = await call().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(errors.UpstashError);
    expect((err as Error).message).toMatch(/cache backend unavailable/);
  }
}

async function requestsCounted(admin: string, result: string): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const line = new RegExp(`cache_upstash_requests_total\\{[^}]*endpoint="command"[^}]*result="${result}"[^}]*\\} (\\d+)`).exec(text);
  return Number(line?.[1] ?? 0);
}

describe('Upstash endpoint, Redis killed', () => {
  it('answers with an error within the op deadline, never hangs, and recovers after a restart', async () => {
    const { redis: r, sidecar: s, client } = await upstashSidecarOnOwnRedis(cleanups);

    await r.kill();
    await failingCalls(12, () => client.get('k'));
    // A killed Redis refuses at once (no connection, no offline queue); at most the calls caught before the
    // socket's close is seen wait for the deadline, and the breaker opens after three failures, so the rest of
    // the outage is answered without asking Redis.
    const refused = await requestsCounted(s.admin, 'unavailable');
    expect(refused + await requestsCounted(s.admin, 'timeout')).toBe(12);
    expect(refused).toBeGreaterThanOrEqual(9);
    expect(s.sidecar.guard.state).toBe('open');
    expect(s.logs.text()).toContain('cache backend unavailable: serving uncached');
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
    await eventually(async () => ((await client.set('k', 'v2')) === 'OK' ? true : undefined), 'writes after restart', 5000);
    expect(await client.get('k')).toBe('v2');
    expect(s.logs.text()).toContain('cache backend back: serving from cache');
  });
});

describe('Upstash endpoint, Redis hung', () => {
  it('answers from the deadline while Redis does not, then from the open breaker at once, and serves again after it resumes', async () => {
    const { redis: r, sidecar: s, client } = await upstashSidecarOnOwnRedis(cleanups);

    r.pause();
    await failingCalls(10, () => client.get('k'));
    // Redis is silent, not refusing: the first answers come from the op deadline, then the breaker opens
    // after three and the rest are answered without waiting on Redis at all.
    const timeouts = await requestsCounted(s.admin, 'timeout');
    expect(timeouts).toBeGreaterThanOrEqual(3);
    expect(timeouts).toBeLessThan(10);
    expect(timeouts + await requestsCounted(s.admin, 'unavailable')).toBe(10);
    const status = await (await fetch(`${s.admin}/v1/status`)).json() as { breaker: { state: string } };
    expect(status.breaker.state).toBe('open');
    r.resume();
    await eventually(async () => ((await client.get('k')) === 'v1' ? true : undefined), 'reads after resume', 5000);
  });
});
