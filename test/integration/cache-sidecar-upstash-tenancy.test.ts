/**
 * One token, one tenant: a property test that no sequence of allowed commands
 * under one token (keys and patterns chosen to look like another tenant's
 * stored names, glob tricks, scripts, refused commands) reads, writes, lists
 * or deletes a key of another token's tenant; and two sidecars sharing one
 * Redis count one tenant's limits together.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { runUpstashSidecar, upstashClient, upstashSidecarForFile, rest, type UpstashSidecar } from './cache-sidecar-upstash-helpers.ts';

const PREFIX = `pfupt-${randomUUID().slice(0, 8)}`;
const READ_SCRIPT = 'return {redis.call("GET", KEYS[1]), KEYS[1]}';
const LIMIT_SCRIPT = 'local n = redis.call("INCR", KEYS[1]) if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[2]) end if n > tonumber(ARGV[1]) then return 0 end return 1';
let s: UpstashSidecar;
let direct: Redis;

// Names acme's commands also use (to catch writes and deletes that land on beta), and names only beta has (to catch listing).
const BETA_NAMES = ['secret', 'a', 'b', 'list', '*', '', 'beta-only-1', 'beta-only-2'];
const betaKey = (name: string) => `${PREFIX}:{beta}:upstash:${name}`;

const file = upstashSidecarForFile({ redisUrl: sharedRedisUrl(), prefix: PREFIX, grants: [{ tenant: 'acme' }, { tenant: 'beta' }], scripts: [READ_SCRIPT, LIMIT_SCRIPT] });
beforeAll(() => { ({ sidecar: s, direct } = file); });

const keyName = fc.oneof(
  fc.constantFrom('a', 'b', 'secret', 'list', '', '*', '?', '[a-z]*', '\\', ':', '{beta}', '{beta}:upstash:secret', `${PREFIX}:{beta}:upstash:secret`, '}:x', '..'),
  fc.string({ maxLength: 8 }),
);
const pattern = fc.oneof(fc.constantFrom('*', '*beta*', '{beta}*', '\\*', '[a-z]*', '*secret', `${PREFIX}:*`, '?*', '**'), fc.string({ maxLength: 6 }));
const command: fc.Arbitrary<unknown[]> = fc.oneof(
  fc.tuple(fc.constantFrom('get', 'del', 'unlink', 'incr', 'hgetall', 'smembers', 'ttl', 'persist', 'type', 'getdel', 'lpop', 'exists'), keyName),
  fc.tuple(fc.constantFrom('set', 'append', 'sadd', 'lpush', 'rpush', 'setnx', 'getset'), keyName, fc.constant('acme-value')),
  fc.tuple(fc.constant('hset'), keyName, fc.constant('f'), fc.constant('acme-value')),
  fc.tuple(fc.constant('zadd'), keyName, fc.constant(1), fc.constant('acme-value')),
  fc.tuple(fc.constantFrom('mget', 'del', 'exists', 'sunion', 'sinterstore'), keyName, keyName, keyName),
  fc.tuple(fc.constantFrom('mset', 'msetnx'), keyName, fc.constant('acme-value'), keyName, fc.constant('acme-value')),
  fc.tuple(fc.constantFrom('rename', 'renamenx', 'rpoplpush', 'smove'), keyName, keyName).map((c) => (c[0] === 'smove' ? [...c, 'acme-value'] : c)),
  fc.tuple(fc.constant('lmove'), keyName, keyName, fc.constant('left'), fc.constant('right')),
  fc.tuple(fc.constantFrom('zunionstore', 'zinterstore'), keyName, fc.constant(2), keyName, keyName),
  fc.tuple(fc.constantFrom('expire', 'pexpire'), keyName, fc.constant(100_000)),
  fc.tuple(fc.constant('scan'), fc.constant('0'), fc.constant('match'), pattern, fc.constant('count'), fc.constant(1000)),
  fc.tuple(fc.constant('scan'), fc.constant('0')),
  fc.tuple(fc.constant('keys'), pattern),
  fc.tuple(fc.constant('eval'), fc.constant(READ_SCRIPT), fc.constant(1), keyName),
  fc.tuple(fc.constant('eval'), fc.constant('return redis.call("GET", ARGV[1])'), fc.constant(0), keyName),
  fc.tuple(fc.constantFrom('copy', 'sort', 'randomkey', 'flushdb', 'flushall', 'dbsize', 'migrate', 'select', 'object', 'dump'), keyName),
  fc.tuple(fc.constant('eval'), fc.constant(READ_SCRIPT), fc.constantFrom(-1, 5, '1 '), keyName),
);

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

async function betaSnapshot(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const name of BETA_NAMES) out[name] = await direct.get(betaKey(name));
  return out;
}

describe('tenancy', () => {
  it('no sequence of commands under one token reads, writes, lists or deletes another tenant\'s key', async () => {
    // Beta's data, written through beta's own token.
    for (const name of BETA_NAMES) expect((await rest(s, '/upstash', { body: ['set', name, `beta-secret-${name}`], token: s.tokens.beta })).status).toBe(200);
    const before = await betaSnapshot();
    expect(Object.values(before).every((v) => v?.startsWith('beta-secret-'))).toBe(true);

    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), fc.constantFrom('pipeline', 'multi-exec', 'single'), async (commands, endpoint) => {
      const replies: unknown[] = [];
      if (endpoint === 'single') {
        for (const c of commands) replies.push((await rest(s, '/upstash', { body: c, token: s.tokens.acme })).body);
      } else {
        replies.push((await rest(s, `/upstash/${endpoint}`, { body: commands, token: s.tokens.acme })).body);
      }
      const text = JSON.stringify(replies);
      // Read or listed: nothing of beta's, neither its values nor its names.
      expect(text).not.toContain('beta-secret');
      expect(strings(replies).filter((v) => v.includes('beta-only'))).toEqual([]);
      // Written or deleted: beta's keys hold what beta wrote, no more, no less.
      expect(await betaSnapshot()).toEqual(before);
      expect((await direct.keys(`${PREFIX}:{beta}:*`)).sort()).toEqual(BETA_NAMES.map(betaKey).sort());
      // Every key this token made lives in its own tenant's space.
      const stray = (await direct.keys(`${PREFIX}*`)).filter((k) => !k.startsWith(`${PREFIX}:{acme}:upstash:`) && !k.startsWith(`${PREFIX}:{beta}:`));
      expect(stray).toEqual([]);
    }), { numRuns: 60 });
  });

  it('answers with the tenant\'s own names: SCAN and KEYS under two tokens list disjoint keys', async () => {
    const acme = upstashClient(s, 'acme');
    const beta = upstashClient(s, 'beta');
    await acme.set('shared-name', 'A');
    await beta.set('shared-name', 'B');
    expect(await acme.get('shared-name')).toBe('A');
    expect(await beta.get('shared-name')).toBe('B');
    expect(await acme.keys('shared-*')).toEqual(['shared-name']);
    const [, scanned] = await beta.scan(0, { match: 'shared-*', count: 1000 });
    expect(scanned).toEqual(['shared-name']);
    await acme.del('shared-name');
    expect(await beta.get('shared-name')).toBe('B');
  });
});

describe('two sidecars sharing one Redis', () => {
  it('count one tenant\'s fixed-window limit together, and keep tenants apart', async () => {
    const other = await runUpstashSidecar({ redisUrl: sharedRedisUrl(), prefix: PREFIX, grants: [{ tenant: 'acme' }, { tenant: 'beta' }], scripts: [LIMIT_SCRIPT] });
    try {
      const clients = [upstashClient(s, 'acme'), upstashClient(other, 'acme')];
      const limiter = clients.map((c) => c.createScript<number>(LIMIT_SCRIPT));
      const key = `limit:${randomUUID().slice(0, 6)}`;
      const outcomes: number[] = [];
      for (let i = 0; i < 12; i++) outcomes.push(await limiter[i % 2].exec([key], ['5', '60000']));
      expect(outcomes).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
      expect(await clients[1].get(key)).toBe(12);
      // Beta's window for the same identifier is its own.
      expect(await upstashClient(other, 'beta').createScript<number>(LIMIT_SCRIPT).exec([key], ['5', '60000'])).toBe(1);
      // INCR through either sidecar is one counter.
      await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2].incr(`${key}:n`)));
      expect(await clients[0].get(`${key}:n`)).toBe(10);
    } finally {
      await other.close();
    }
  });
});
