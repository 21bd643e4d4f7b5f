/**
 * Log scan: with a known Redis password, Upstash token and sidecar token
 * configured, drive every error path of the kv layer, log each failure the
 * way a caller does (`logger.error({ err })`, cause chain included), and
 * assert that no secret, and no stored value, appears in any log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore, SidecarCache, UpstashStore, type CacheError } from '#pkg/kv/index.ts';
import { captureLogs, createLogger } from '#pkg/log/index.ts';
import { startRedis, sharedRedisUrl, type RedisProcess } from '#test/fixtures/redis.ts';
import { freePort } from '#test/fixtures/ports.ts';
import { startUpstashStub, type UpstashStub } from '#test/fixtures/upstash-stub.ts';
import { eventually } from '#test/fixtures/poll.ts';

const PASSWORD = 'redis-pass-Zq81xv';
const WRONG_PASSWORD = 'wrong-pass-Kd02mt';
const UPSTASH_TOKEN = 'upstash-token-Lw73hb';
const WRONG_UPSTASH_TOKEN = 'upstash-wrong-Pc55ee';
const SIDECAR_TOKEN = 'sidecar-token-Ry66dq';
const STORED_VALUE = 'stored-value-Hn29fa';

const logs = captureLogs();
const logger = createLogger({ name: 'kv-logscan', destination: logs.stream, level: 'debug' });
const ns = { tenantKey: 'scan', scope: 's' };

let redis: RedisProcess;
let stub: UpstashStub;
beforeAll(async () => {
  redis = await startRedis();
  await requirePassword();
  stub = await startUpstashStub({ redisUrl: sharedRedisUrl(), token: UPSTASH_TOKEN });
});
afterAll(async () => {
  await stub.close();
  await redis.stop();
});

// The harness probes readiness with an unauthenticated PING, so the password is set once Redis answers.
async function requirePassword(): Promise<void> {
  const admin = new Redis(redis.url, { protocol: 2 });
  try {
    await admin.config('SET', 'requirepass', PASSWORD);
  } finally {
    admin.disconnect();
  }
}

/** Runs a call; logs its failure as a caller would. */
async function attempt(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    const result = await call();
    logger.info({ what, result }, 'cache call answered');
  } catch (err) {
    logger.error({ what, err, kind: (err as CacheError).kind }, 'cache call failed');
  }
}

describe('kv log scan', () => {
  it('never logs a password, a token or a stored value on any error path', async () => {
    // Redis: wrong password, right password then killed, unreachable.
    const wrong = new RedisStore({ url: `redis://:${WRONG_PASSWORD}@127.0.0.1:${redis.port}`, logger, connectTimeoutMs: 300 });
    // Let Redis refuse the password first, so the refusal's own log line is part of the scan.
    await eventually(() => wrong.status() === 'down', 'Redis to refuse the wrong password');
    await attempt('redis wrong password get', () => wrong.get(ns, 'k'));
    await wrong.close();

    const right = new RedisStore({ url: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`, logger, reconnectMaxMs: 100 });
    await right.waitReady();
    await attempt('redis set', () => right.set(ns, 'text', JSON.stringify(STORED_VALUE), 10_000));
    await attempt('redis tx wrong type', () => right.transaction('scan', [{ op: 'incr', scope: 's', key: 'text', by: 1 }]));
    await attempt('redis raw incr wrong type', () => right.client.incr(`pilotfish:{scan}:s:text`));
    await redis.kill();
    for (const op of ['get', 'set', 'mget', 'mset', 'tx', 'ping'] as const) {
      await attempt(`redis down ${op}`, () => {
        switch (op) {
          case 'get': return right.get(ns, 'text');
          case 'set': return right.set(ns, 'text', JSON.stringify(STORED_VALUE), 1000);
          case 'mget': return right.mget(ns, ['text']);
          case 'mset': return right.mset(ns, [{ key: 'text', json: JSON.stringify(STORED_VALUE), ttlMs: 1000 }]);
          case 'tx': return right.transaction('scan', [{ op: 'set', scope: 's', key: 'text', json: JSON.stringify(STORED_VALUE), ttlMs: 1000 }]);
          default: return right.ping();
        }
      });
    }
    await redis.restart();
    await requirePassword();
    await right.waitReady(5000);
    await right.close();

    // Upstash: wrong token, quoted command values, timeouts, unreachable.
    const up = new UpstashStore({ url: stub.url, token: UPSTASH_TOKEN, logger, timeoutMs: 2000 });
    await attempt('upstash set', () => up.set(ns, 'text', JSON.stringify(STORED_VALUE), 10_000));
    await attempt('upstash tx wrong type', () => up.transaction('scan', [{ op: 'incr', scope: 's', key: 'text', by: 1 }]));
    await attempt('upstash raw quoted command', () => up.client.set('pilotfish:{scan}:s:x', STORED_VALUE, { px: -1 } as never).catch((e: unknown) => { throw e; }));
    const badToken = new UpstashStore({ url: stub.url, token: WRONG_UPSTASH_TOKEN, logger });
    await attempt('upstash wrong token', () => badToken.get(ns, 'text'));
    stub.delayMs = 300;
    const slow = new UpstashStore({ url: stub.url, token: UPSTASH_TOKEN, logger, timeoutMs: 50 });
    await attempt('upstash timeout', () => slow.set(ns, 'text', JSON.stringify(STORED_VALUE), 1000));
    stub.delayMs = 0;
    const gone = new UpstashStore({ url: `http://127.0.0.1:${await freePort()}`, token: UPSTASH_TOKEN, logger });
    await attempt('upstash unreachable', () => gone.mset(ns, [{ key: 'x', json: JSON.stringify(STORED_VALUE), ttlMs: 1000 }]));

    // Sidecar client: unreachable sidecar with a token.
    const client = new SidecarCache({ url: `http://127.0.0.1:${await freePort()}`, token: SIDECAR_TOKEN, timeoutMs: 200 });
    await attempt('sidecar unreachable', () => client.set(ns, 'k', STORED_VALUE));
    await client.close();

    const text = logs.text();
    if (process.env.KV_LOGSCAN_PRINT) console.log(text);
    // The scan saw the error paths it meant to: failures were logged, with causes.
    expect(logs.lines.filter((l) => l.includes('"cache call failed"')).length).toBeGreaterThanOrEqual(12);
    expect(text).toContain('redis down get');
    expect(text).toContain('upstash unreachable');
    for (const secret of [PASSWORD, WRONG_PASSWORD, UPSTASH_TOKEN, WRONG_UPSTASH_TOKEN, SIDECAR_TOKEN]) expect(text).not.toContain(secret);
    // Stored values are not secrets to the masker, so only the redaction keeps them out.
    // The scan can see one: the library's own error, logged raw, quotes the value.
    expect(logs.lines.find((l) => l.includes('upstash raw quoted command'))).toContain(STORED_VALUE);
    const failures = logs.lines.filter((l) => l.includes('"cache call failed"') && !l.includes('raw '));
    for (const line of failures) expect(line).not.toContain(STORED_VALUE);
  });
});
