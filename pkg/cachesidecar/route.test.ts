import { describe, expect, it } from 'vitest';
import { parseRoute, ttlParam } from './route.ts';

describe('parseRoute', () => {
  it('parses items, keeping slashes and decoding the key', () => {
    expect(parseRoute('/v1/cache/acme/knowledge.search/q%3Dhello%20world?ttl=5s')).toEqual({
      kind: 'item', tenant: 'acme', scope: 'knowledge.search', key: 'q=hello world', query: 'ttl=5s',
    });
    expect(parseRoute('/v1/cache/t/s/a/b/c')).toMatchObject({ kind: 'item', key: 'a/b/c' });
  });

  it('tells batch and transaction routes apart from keys', () => {
    expect(parseRoute('/v1/cache/t/s/_mget')).toEqual({ kind: 'mget', tenant: 't', scope: 's' });
    expect(parseRoute('/v1/cache/t/s/_mset')).toEqual({ kind: 'mset', tenant: 't', scope: 's' });
    expect(parseRoute('/v1/cache/t/_tx')).toEqual({ kind: 'tx', tenant: 't' });
    expect(parseRoute('/v1/cache/t/s/%5Fmget')).toMatchObject({ kind: 'item', key: '_mget' });
  });

  it.each(['/v1/cache/', '/v1/cache/t', '/v1/cache/t/', '/v1/cache/t/s', '/v1/cache/t/s/', '/v1/cache//s/k', '/v1/cache/t//k', '/v2/cache/t/s/k', '/', '/v1/cache/t/_other'])(
    '%s is unknown', (url) => expect(parseRoute(url).kind).toBe('unknown'),
  );

  it('reports a malformed percent-encoding as a bad key', () => {
    expect(parseRoute('/v1/cache/t/s/%E0%A4%A')).toEqual({ kind: 'bad_key' });
  });
});

describe('ttlParam', () => {
  it('finds ttl among other parameters', () => {
    expect(ttlParam('a=1&ttl=15s&b=2')).toBe('15s');
    expect(ttlParam('x=1')).toBeUndefined();
    expect(ttlParam('')).toBeUndefined();
  });

  it('hands the value over undecoded, so a malformed percent-encoding cannot throw', () => {
    expect(ttlParam('ttl=%E0')).toBe('%E0');
    expect(ttlParam('ttl=%ZZ0')).toBe('%ZZ0');
    expect(ttlParam('ttl=%')).toBe('%');
    expect(ttlParam('ttl=15%73')).toBe('15%73');
  });
});
