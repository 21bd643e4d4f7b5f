import { describe, expect, it } from 'vitest';
import { encodeKey } from '#pkg/kv/index.ts';
import { planCommand, shapeReply, spaceFor, commandArgs } from './rewrite.ts';
import { ScriptGate, sha1 } from './scripts.ts';

const gate = new ScriptGate({ allowedBodies: ['return redis.call("GET", KEYS[1])'] });
const acme = spaceFor('pf', 'acme', 'upstash', false, gate);
const P = 'pf:{acme}:upstash:';

describe('planCommand', () => {
  it('rewrites keys with pkg/kv encoding, so a tenant\'s keys share one hash slot', () => {
    expect(acme.keyPrefix).toBe(P);
    expect(acme.keyPrefix + 'k').toBe(encodeKey('pf', { tenantKey: 'acme', scope: 'upstash' }, 'k'));
    expect(planCommand(['SET', 'k', 'v', 'EX', 10], acme)).toEqual({ ok: true, name: 'set', args: ['set', `${P}k`, 'v', 'EX', '10'], reply: 'plain' });
    expect(planCommand(['mset', 'a', 1, 'b', true], acme)).toMatchObject({ args: ['mset', `${P}a`, '1', `${P}b`, 'true'] });
    expect(planCommand(['del', 'a', 'b'], acme)).toMatchObject({ args: ['del', `${P}a`, `${P}b`] });
    expect(planCommand(['zunionstore', 'd', 2, 'a', 'b', 'weights', 1, 2], acme)).toMatchObject({ args: ['zunionstore', `${P}d`, '2', `${P}a`, `${P}b`, 'weights', '1', '2'] });
  });

  it('confines SCAN and KEYS to the tenant', () => {
    expect(planCommand(['scan', '0'], acme)).toMatchObject({ args: ['scan', '0', 'match', `${P}*`], reply: 'scan' });
    expect(planCommand(['scan', '0', 'MATCH', 'user:*', 'COUNT', 100], acme)).toMatchObject({ args: ['scan', '0', 'match', `${P}user:*`, 'count', '100'] });
    expect(planCommand(['scan', '0', 'count'], acme)).toEqual({ ok: false, error: 'ERR syntax error' });
    expect(planCommand(['scan', '0', 'cursed', 'x'], acme)).toEqual({ ok: false, error: 'ERR syntax error' });
    expect(planCommand(['keys', '*'], acme)).toMatchObject({ args: ['keys', `${P}*`], reply: 'keys' });
  });

  it('rewrites a script\'s KEYS[] and lets only allowlisted scripts through an untrusted token', () => {
    const body = 'return redis.call("GET", KEYS[1])';
    expect(planCommand(['eval', body, 1, 'k', 'arg'], acme)).toMatchObject({ ok: true, args: ['eval', body, '1', `${P}k`, 'arg'] });
    expect(planCommand(['evalsha', sha1(body), 1, 'k'], acme)).toMatchObject({ ok: true, args: ['evalsha', sha1(body), '1', `${P}k`] });
    expect(planCommand(['eval', 'return redis.call("DEL", "other")', 0], acme)).toMatchObject({ ok: false, error: expect.stringMatching(/^ERR script refused/) });
    expect(planCommand(['script', 'load', 'return 1'], acme)).toMatchObject({ ok: false });
    const trusted = spaceFor('pf', 'acme', 'upstash', true, gate);
    expect(planCommand(['eval', 'return 1', 0], trusted)).toMatchObject({ ok: true });
    expect(planCommand(['script', 'flush'], trusted)).toMatchObject({ ok: false, error: expect.stringContaining('only SCRIPT LOAD and SCRIPT EXISTS') });
  });

  it('refuses bad shapes and long keys, changing nothing', () => {
    expect(planCommand([], acme)).toMatchObject({ ok: false });
    expect(planCommand('get', acme)).toMatchObject({ ok: false });
    expect(planCommand([1, 'k'], acme)).toMatchObject({ ok: false, error: 'ERR the command name must be a string' });
    expect(planCommand(['get', { k: 1 }], acme)).toMatchObject({ ok: false });
    expect(planCommand(['get', null], acme)).toMatchObject({ ok: false });
    expect(planCommand(['get', 'x'.repeat(1025)], acme)).toMatchObject({ ok: false, error: 'ERR key exceeds 1024 bytes' });
    expect(planCommand(['flushall'], acme)).toMatchObject({ ok: false, error: expect.stringContaining('across tenants') });
    expect(commandArgs(['get', Number.NaN])).toBe('ERR command arguments must be strings, numbers or booleans');
  });
});

describe('scope TTL default', () => {
  it('gives a SET without a TTL the scope\'s default when the token asks for it, and leaves every other SET alone', () => {
    const withTtl = spaceFor('pf', 'acme', 'upstash', false, gate, 30_000);
    expect(planCommand(['set', 'k', 'v'], withTtl)).toMatchObject({ args: ['set', `${P}k`, 'v', 'PX', '30000'] });
    expect(planCommand(['set', 'k', 'v', 'NX'], withTtl)).toMatchObject({ args: ['set', `${P}k`, 'v', 'NX', 'PX', '30000'] });
    for (const option of [['EX', '5'], ['px', '5'], ['EXAT', '9999999999'], ['PXAT', '9999999999999'], ['KEEPTTL']]) {
      expect(planCommand(['set', 'k', 'v', ...option], withTtl)).toMatchObject({ args: ['set', `${P}k`, 'v', ...option] });
    }
    expect(planCommand(['set', 'k', 'v'], acme)).toMatchObject({ args: ['set', `${P}k`, 'v'] });
  });
});

describe('scope TTL policy', () => {
  it('clamps TTLs after the keys are fenced, and refuses PERSIST for a defaultTtl token', () => {
    const rule = { ttlMs: 15_000, minMs: 5000, maxMs: 30_000 };
    const fenced = spaceFor('pf', 'acme', 'upstash', false, gate, { rule, defaultTtl: true }, () => 1_000_000);
    expect(planCommand(['SET', 'k', 'v'], fenced)).toMatchObject({ ok: true, args: ['set', `${P}k`, 'v', 'PX', '15000'] });
    expect(planCommand(['setex', 'k', 600, 'v'], fenced)).toMatchObject({ ok: true, name: 'psetex', args: ['psetex', `${P}k`, '30000', 'v'] });
    expect(planCommand(['pexpireat', 'k', 1_000_001], fenced)).toMatchObject({ ok: true, args: ['pexpireat', `${P}k`, '1005000'] });
    expect(planCommand(['persist', 'k'], fenced)).toMatchObject({ ok: false, error: expect.stringMatching(/^ERR PERSIST is refused/) });
    const clampOnly = spaceFor('pf', 'acme', 'upstash', false, gate, { rule, defaultTtl: false });
    expect(planCommand(['set', 'k', 'v'], clampOnly)).toMatchObject({ args: ['set', `${P}k`, 'v'] });
    expect(planCommand(['persist', 'k'], clampOnly)).toMatchObject({ ok: true, args: ['persist', `${P}k`] });
  });
});

describe('shapeReply', () => {
  it('gives names back without the prefix, and never a name outside it', () => {
    expect(shapeReply([`${P}a`, 'pf:{other}:upstash:b', `${P}c`], 'keys', acme)).toEqual(['a', 'c']);
    expect(shapeReply(['17', [`${P}a`]], 'scan', acme)).toEqual(['17', ['a']]);
    expect(shapeReply('v', 'plain', acme)).toBe('v');
  });

  it('answers SCRIPT LOAD with the SHA the client computed', () => {
    const body = '#!lua flags=allow-key-locking\nreturn 1';
    const trusted = spaceFor('pf', 'acme', 'upstash', true, new ScriptGate());
    const plan = planCommand(['script', 'load', body], trusted);
    expect(plan).toMatchObject({ ok: true, args: ['script', 'load', '#!lua\nreturn 1'], reply: 'sha' });
    expect(shapeReply(sha1('#!lua\nreturn 1'), 'sha', trusted)).toBe(sha1(body));
  });
});
