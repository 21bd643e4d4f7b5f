import { describe, expect, it } from 'vitest';
import { ReplyError } from 'ioredis';
import { redisError } from './redis-errors.ts';
import { reconnectDelay } from './redis.ts';
import { CacheError } from './errors.ts';

describe('redisError', () => {
  it.each([
    [new Error('Command timed out'), 'timeout'],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'unavailable'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'unavailable'],
    [new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'wrong_type'],
    [new ReplyError('ERR value is not an integer or out of range'), 'wrong_type'],
    [new ReplyError("OOM command not allowed when used memory > 'maxmemory'."), 'unavailable'],
    [new ReplyError('LOADING Redis is loading the dataset in memory'), 'unavailable'],
    [new ReplyError('ERR unknown command'), 'other'],
  ])('maps %s to %s', (err, kind) => {
    const mapped = redisError(err);
    expect(mapped).toBeInstanceOf(CacheError);
    expect(mapped.kind).toBe(kind);
    expect((mapped.cause as Error).name).toBe(err.name);
    expect((mapped.cause as Error).message).toBe(err.message);
  });

  it('keeps no command arguments in the cause (they may be values or an AUTH password)', () => {
    const err = Object.assign(new ReplyError('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['hunter2-password'] } });
    const mapped = redisError(err);
    expect(JSON.stringify(mapped.cause, Object.getOwnPropertyNames(mapped.cause))).not.toContain('hunter2-password');
    expect(redisError(new ReplyError("ERR unknown command 'x', with args beginning with: 'secret-arg'")).cause).not.toHaveProperty('message', expect.stringContaining('secret-arg'));
  });

  it('never quotes a reply past its error prefix', () => {
    expect(redisError(new ReplyError('ERR something secret-value-42')).message).not.toContain('secret-value-42');
  });
});

describe('reconnectDelay', () => {
  it('doubles from the base, caps at the maximum, and never stops', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6, 100, 10_000].map((t) => reconnectDelay(t, 50, 1000, mid))).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('jitters within ±20 %', () => {
    expect(reconnectDelay(10, 50, 1000, () => 0)).toBe(800);
    expect(reconnectDelay(10, 50, 1000, () => 0.999999)).toBe(1200);
  });
});
