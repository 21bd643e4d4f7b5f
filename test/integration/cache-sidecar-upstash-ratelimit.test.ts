/**
 * The real @upstash/ratelimit (fixed window, sliding window, token bucket) on
 * the real @upstash/redis, through two sidecars sharing one Redis: its Lua
 * scripts (with the allow-key-locking shebang Redis 7.0 rejects) run for an
 * untrusted token because they are on the built-in allowlist, and one
 * tenant's limit is counted across both sidecars while another tenant's
 * identical identifier has its own budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import { Ratelimit } from '@upstash/ratelimit';
import { RATELIMIT_SCRIPT_SHAS } from '#pkg/cachesidecar/upstash/index.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { runUpstashSidecar, upstashClient, type UpstashSidecar } from './cache-sidecar-upstash-helpers.ts';

const PREFIX = `pfurl-${randomUUID().slice(0, 8)}`;
let a: UpstashSidecar;
let b: UpstashSidecar;
let direct: Redis;

beforeAll(async () => {
  const options = { redisUrl: sharedRedisUrl(), prefix: PREFIX, grants: [{ tenant: 'acme' }, { tenant: 'beta' }] };
  [a, b] = await Promise.all([runUpstashSidecar(options), runUpstashSidecar(options)]);
  direct = new Redis(sharedRedisUrl(), { protocol: 2 });
});
afterAll(async () => {
  const keys = await direct.keys(`${PREFIX}:*`);
  if (keys.length) await direct.del(...keys);
  direct.disconnect();
  await Promise.all([a?.close(), b?.close()]);
});

describe('the built-in script allowlist', () => {
  it('holds every script hash the installed @upstash/ratelimit ships (else its limits are refused for untrusted tokens)', () => {
    const dist = readFileSync(createRequire(import.meta.url).resolve('@upstash/ratelimit'), 'utf8');
    const shipped = [...dist.matchAll(/hash: "([0-9a-f]{40})"/g)].map((m) => m[1]);
    expect(shipped.length).toBeGreaterThan(5);
    expect(shipped.filter((sha) => !RATELIMIT_SCRIPT_SHAS.includes(sha))).toEqual([]);
  });
});

const limiters = {
  'fixed window': () => Ratelimit.fixedWindow(5, '60 s'),
  'sliding window': () => Ratelimit.slidingWindow(5, '60 s'),
  'token bucket': () => Ratelimit.tokenBucket(1, '60 s', 5),
};

describe.each(Object.entries(limiters))('@upstash/ratelimit %s through two sidecars on one Redis', (_name, limiter) => {
  const make = (s: UpstashSidecar, tenant: string, prefix: string) =>
    new Ratelimit({ redis: upstashClient(s, tenant), limiter: limiter(), prefix, analytics: false, ephemeralCache: false });

  it('allows 5 for one identifier across both sidecars, then blocks; another tenant keeps its own budget', async () => {
    const prefix = `rl-${randomUUID().slice(0, 6)}`;
    const [viaA, viaB, beta] = [make(a, 'acme', prefix), make(b, 'acme', prefix), make(a, 'beta', prefix)];
    const outcomes: boolean[] = [];
    for (let i = 0; i < 8; i++) outcomes.push((await (i % 2 === 0 ? viaA : viaB).limit('user-1')).success);
    expect(outcomes).toEqual([true, true, true, true, true, false, false, false]);
    const blocked = await viaA.limit('user-1');
    expect(blocked.remaining).toBe(0);
    expect(blocked.reset).toBeGreaterThan(Date.now());
    expect((await beta.limit('user-1')).success).toBe(true);
    expect((await viaB.limit('user-2')).success).toBe(true);
    // Everything it wrote sits inside the tenants' key spaces.
    const keys = await direct.keys(`${PREFIX}:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toMatch(new RegExp(`^${PREFIX}:\\{(acme|beta)\\}:`));
  });
});
