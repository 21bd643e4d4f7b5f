import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { sharedRedisUrl, startRedis, type RedisProcess } from '../fixtures/redis.ts';
import { KeyGate, RedisLedger, minuteOf, parseKeyMap, type Limits, type RedisLedgerOptions } from '../../pkg/llm/keys/index.ts';

// The Redis ledger's leases (issue 14 section 3): pods admit from blocks of the minute's rpm taken in one script call,
// never more than the rpm across pods, sharing one call in flight; tpm and budgets from a view at most 100 ms old.
const NOW = Date.UTC(2026, 11, 2, 10, 0, 5);
const prefix = `pf-lease-test-${randomBytes(6).toString('hex')}`;
const clients: Redis[] = [];
const ledgers: RedisLedger[] = [];

/** A client as the proxy's RedisStore configures it: no offline queue, so a command fails at once while Redis is away. */
async function client(url = sharedRedisUrl()): Promise<Redis> {
  const c = new Redis(url, { maxRetriesPerRequest: 0, enableAutoPipelining: true, enableOfflineQueue: false, commandTimeout: 1000 });
  clients.push(c);
  await new Promise((resolve, reject) => { c.once('ready', resolve); c.once('error', reject); });
  // A Redis a test killed: the ledger reports the failures itself.
  c.on('error', () => undefined);
  return c;
}

function pod(c: Redis, options: RedisLedgerOptions = {}): { ledger: RedisLedger } {
  const ledger = new RedisLedger(c, { prefix, ...options });
  ledgers.push(ledger);
  return { ledger };
}

/** Script calls a Redis served so far (EVALSHA, and EVAL when the script was not loaded yet). */
async function scriptCalls(c: Redis): Promise<number> {
  const info = await c.info('commandstats');
  return [...info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

const newId = () => randomBytes(8).toString('hex');

/** Two pods on the shared Redis and a key of their own; b reads its view's age from a clock the test moves. */
async function twoPods(aOptions: RedisLedgerOptions = {}) {
  const clock = { t: 0 };
  const a = pod(await client(), aOptions).ledger;
  const b = pod(await client(), { clock: () => clock.t }).ledger;
  return { id: newId(), a, b, clock };
}
const rpmCount = async (c: Redis, id: string, now = NOW) => Number(await c.get(`${prefix}:llm:key:{${id}}:rpm:${minuteOf(now)}`) ?? 0);
const admitMany = (l: RedisLedger, id: string, limits: Limits, n: number) => Promise.all(Array.from({ length: n }, () => l.admit(id, limits, NOW)));

afterEach(async () => {
  for (const l of ledgers.splice(0)) await l.close();
});
afterAll(() => {
  for (const c of clients) c.disconnect();
});

describe('RedisLedger leases', () => {
  it('two pods on one Redis admit exactly the rpm between them, whatever the concurrency, and refuse the rest', async () => {
    const id = newId();
    const limits = { rpm: 300 };
    const a = pod(await client());
    const b = pod(await client());
    const verdicts = (await Promise.all([admitMany(a.ledger, id, limits, 400), admitMany(b.ledger, id, limits, 400)])).flat();
    expect(verdicts.filter((v) => v.ok)).toHaveLength(300);
    expect(verdicts.filter((v) => !v.ok).every((v) => !v.ok && v.reason === 'rpm')).toBe(true);
    // Every leased request was admitted: none is stranded in either pod.
    expect(await rpmCount(clients[0], id)).toBe(300);
    expect((await a.ledger.admit(id, limits, NOW)).ok).toBe(false);
    expect((await b.ledger.admit(id, limits, NOW)).ok).toBe(false);
  });

  it('concurrent admits in one pod share the lease call in flight, and a pod at a steady rate rarely asks Redis', async () => {
    // A Redis of its own, whose command counts are this pod's alone.
    const own = await startRedis();
    try {
      const c = await client(own.url);
      const id = newId();
      const limits = { rpm: 1e9, tpm: 1e12, monthlyBudgetUsd: 1e9 };
      const { ledger } = pod(c);
      const first = await admitMany(ledger, id, limits, 200);
      expect(first.every((v) => v.ok)).toBe(true);
      // One call for the first request, one sized for every request that waited on it, and at most a top-up.
      expect(await scriptCalls(c)).toBeLessThanOrEqual(3);
      for (let i = 0; i < 20; i++) expect((await admitMany(ledger, id, limits, 100)).every((v) => v.ok)).toBe(true);
      // 2,200 admits: a call per request before leases; at least 20 admits per call now, however loaded the machine.
      expect(await scriptCalls(c)).toBeLessThan(110);
      // Redis counts what the pod admitted plus what it holds, never less.
      expect(await rpmCount(c, id)).toBeGreaterThanOrEqual(2200);
    } finally {
      await own.stop();
    }
  });

  it('gives its unused leased requests back when it closes, so the other pods can use them', async () => {
    const id = newId();
    const c = await client();
    const { ledger } = pod(c);
    let admitted = 0;
    for (let i = 0; i < 10; i++) admitted += (await admitMany(ledger, id, { rpm: 100_000 }, 50)).filter((v) => v.ok).length;
    expect(admitted).toBe(500);
    await ledger.close();
    expect(await rpmCount(c, id)).toBe(500);
  });

  it('what one pod holds unused the other refuses, until it is given back: then the two have admitted exactly the rpm', async () => {
    const { id, a, b, clock } = await twoPods();
    const limits = { rpm: 64 };
    for (let i = 0; i < 4; i++) expect((await admitMany(a, id, limits, 8)).every((v) => v.ok)).toBe(true);
    let byB = 0;
    for (let i = 0; i < 40; i++) if ((await b.admit(id, limits, NOW)).ok) byB++;
    // The minute is spent: 32 admitted by a, byB by b, and what a holds ahead of need (part of what was left).
    expect(await rpmCount(clients[0], id)).toBe(64);
    const heldByA = 64 - 32 - byB;
    expect(heldByA).toBeGreaterThanOrEqual(0);
    expect(heldByA).toBeLessThan(32);
    await a.close();
    // b sees what a gave back once its view is older than 100 ms.
    clock.t = 1000;
    for (let i = 0; i < 40; i++) if ((await b.admit(id, limits, NOW)).ok) byB++;
    expect(32 + byB).toBe(64);
  });
});

describe('RedisLedger views of tokens and spend', () => {
  it('another pod\'s tokens refuse here once this pod\'s view is older than 100 ms (injected clock)', async () => {
    const { id, a, b, clock } = await twoPods();
    const limits = { tpm: 50 };
    expect((await b.admit(id, limits, NOW)).ok).toBe(true);
    expect((await a.admit(id, limits, NOW)).ok).toBe(true);
    await a.record(id, 60, 0, NOW);
    await a.flush();
    // a refuses at once from its own answers; b's view is still fresh and does not know yet.
    expect(await a.admit(id, limits, NOW)).toMatchObject({ ok: false, reason: 'tpm' });
    clock.t = 100;
    expect((await b.admit(id, limits, NOW)).ok).toBe(true);
    clock.t = 201;
    expect(await b.admit(id, limits, NOW)).toMatchObject({ ok: false, reason: 'tpm', retryAfterMs: 55_000 });
  });

  it('a budget spent in another pod refuses here; the next month starts afresh', async () => {
    const { id, a, b, clock } = await twoPods({ flushMs: 0 });
    const limits = { rpm: 1000, monthlyBudgetUsd: 0.05 };
    expect((await b.admit(id, limits, NOW)).ok).toBe(true);
    await a.record(id, 10, 0.06, NOW);
    clock.t = 1000;
    expect(await b.admit(id, limits, NOW)).toMatchObject({ ok: false, reason: 'budget' });
    expect((await b.admit(id, limits, Date.UTC(2027, 0, 1))).ok).toBe(true);
  });

  it('a new minute drops the old lease and counts in the new minute\'s key', async () => {
    const id = newId();
    const c = await client();
    const { ledger } = pod(c);
    await admitMany(ledger, id, { rpm: 5 }, 5);
    expect((await ledger.admit(id, { rpm: 5 }, NOW)).ok).toBe(false);
    const next = NOW + 60_000;
    expect((await ledger.admit(id, { rpm: 5 }, next)).ok).toBe(true);
    expect(await rpmCount(c, id, next)).toBe(1);
  });
});

describe('RedisLedger with Redis down', () => {
  let redis: RedisProcess | undefined;
  afterAll(async () => { await redis?.stop(); });

  it('no request hangs: each goes on unlimited once its view is old, and the gate is told', async () => {
    redis = await startRedis();
    const c = await client(redis.url);
    const KEY = `pf-lease-down-${randomBytes(8).toString('hex')}`;
    const errors: unknown[] = [];
    let t = 0;
    const gate = new KeyGate({ keys: parseKeyMap(JSON.stringify({ [KEY]: { tenant: 'acme', rpm: 3 } })), ledger: pod(c, { clock: () => t }).ledger, now: () => NOW, onLedgerError: (e) => errors.push(e) });
    const caller = gate.identify(KEY)!;
    for (let i = 0; i < 3; i++) expect((await gate.admit(caller)).ok).toBe(true);
    expect(await gate.admit(caller)).toMatchObject({ ok: false, reason: 'rpm' });
    expect(errors).toEqual([]);
    await redis.kill();
    // Within 100 ms the pod still decides from what it read.
    expect((await gate.admit(caller)).ok).toBe(false);
    t = 1000;
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => gate.admit(caller)));
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
  });
});
