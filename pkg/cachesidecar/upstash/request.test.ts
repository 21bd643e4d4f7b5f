import { describe, expect, it } from 'vitest';
import { parseTarget, pathCommand, tokenOf } from './request.ts';

describe('parseTarget', () => {
  it('tells the endpoints apart', () => {
    expect(parseTarget('/upstash')).toEqual({ endpoint: 'command', queryArgs: [], queryToken: undefined });
    expect(parseTarget('/upstash/')).toEqual({ endpoint: 'command', queryArgs: [], queryToken: undefined });
    expect(parseTarget('/upstash/pipeline')).toMatchObject({ endpoint: 'pipeline' });
    expect(parseTarget('/upstash/multi-exec')).toMatchObject({ endpoint: 'multi-exec' });
  });

  it('reads the path form: segments decoded, query arguments in order, _token apart', () => {
    expect(parseTarget('/upstash/set/a%2Fb/v%20w?EX=100&NX&_token=t')).toEqual({
      endpoint: 'command', pathArgs: ['set', 'a/b', 'v w'], queryArgs: ['EX', '100', 'NX'], queryToken: 't',
    });
    expect(parseTarget('/upstash/get/%E0%A4%A')).toBeUndefined();
  });
});

describe('pathCommand', () => {
  it('puts the body right after the path, before the query options', () => {
    const target = parseTarget('/upstash/set/foo?EX=100')!;
    expect(pathCommand(target, Buffer.from('{"v":1}'))).toEqual(['set', 'foo', '{"v":1}', 'EX', '100']);
    expect(pathCommand(parseTarget('/upstash/get/foo')!, Buffer.alloc(0))).toEqual(['get', 'foo']);
  });
});

describe('tokenOf', () => {
  it('takes the bearer token, else _token; a malformed header is never replaced by _token', () => {
    expect(tokenOf('Bearer abc', 'q')).toBe('abc');
    expect(tokenOf(undefined, 'q')).toBe('q');
    expect(tokenOf('Basic abc', 'q')).toBeUndefined();
    expect(tokenOf(undefined, undefined)).toBeUndefined();
  });
});
