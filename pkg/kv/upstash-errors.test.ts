import { describe, expect, it } from 'vitest';
import { redactUpstashMessage, upstashError } from './upstash-errors.ts';

const upstash = (message: string) => Object.assign(new Error(message), { name: 'UpstashError' });

describe('upstash errors', () => {
  it('drops the quoted command and its values', () => {
    expect(redactUpstashMessage('ERR value is not an integer or out of range, command was: ["incrby","k","secret"]')).toBe('ERR value is not an integer or out of range');
    expect(redactUpstashMessage('Command 2 [ set ] failed: OOM command not allowed')).toBe('OOM command not allowed');
  });

  it.each([
    [upstash('WRONGTYPE Operation against a key holding the wrong kind of value, command was: ["get","k"]'), 'wrong_type'],
    [upstash('ERR syntax error, command was: ["set","k","v","px",-1]'), 'other'],
    [upstash('Unauthorized'), 'unavailable'],
    [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'timeout'],
    [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'unavailable'],
  ])('maps %s to %s, never quoting the command', (err, kind) => {
    const mapped = upstashError(err);
    expect(mapped.kind).toBe(kind);
    expect(mapped.message).not.toMatch(/command was/);
  });
});
