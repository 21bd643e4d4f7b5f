import { describe, expect, it } from 'vitest';
import { NearCache, entrySize, remainingTtl, type FlushReason } from './near-cache.ts';

function clock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

const value = (s: string) => Buffer.from(JSON.stringify(s));

function filled(cache: NearCache, key: string, v: string, ttlMs: number): boolean {
  return cache.completeFill(cache.beginFill(key), value(v), ttlMs);
}

describe('NearCache', () => {
  it('serves nothing and stores nothing until resumed', () => {
    const cache = new NearCache({ maxBytes: 1 << 20 });
    expect(cache.beginFill('k')).toBeUndefined();
    expect(filled(cache, 'k', 'v', 1000)).toBe(false);
    cache.resume();
    expect(filled(cache, 'k', 'v', 1000)).toBe(true);
    expect(cache.get('k')?.bytes.toString()).toBe('"v"');
  });

  it('keeps the absolute expiry from when the read was sent', () => {
    const c = clock();
    const cache = new NearCache({ maxBytes: 1 << 20, active: true, now: c.now });
    const ticket = cache.beginFill('k');
    c.advance(40); // the reply's round trip
    expect(cache.completeFill(ticket, value('v'), 100)).toBe(true);
    const entry = cache.get('k')!;
    expect(entry.expiresAt).toBe(1100);
    expect(remainingTtl(entry, c.now())).toBe(60);
    c.advance(59);
    expect(cache.get('k')).toBeDefined();
    c.advance(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.entries).toBe(0);
  });

  it('keeps a key without TTL until invalidated, and reports -1 for it', () => {
    const c = clock();
    const cache = new NearCache({ maxBytes: 1 << 20, active: true, now: c.now });
    expect(filled(cache, 'k', 'v', -1)).toBe(true);
    c.advance(1e9);
    expect(remainingTtl(cache.get('k')!, c.now())).toBe(-1);
    cache.invalidate('k', 'redis');
    expect(cache.get('k')).toBeUndefined();
  });

  it('bounds a copy by the staleness limit, but reports the backend TTL', () => {
    const c = clock();
    const cache = new NearCache({ maxBytes: 1 << 20, active: true, now: c.now, maxStalenessMs: 1000 });
    expect(filled(cache, 'k', 'v', 60_000)).toBe(true);
    c.advance(500);
    expect(remainingTtl(cache.get('k')!, c.now())).toBe(59_500);
    c.advance(500);
    expect(cache.get('k')).toBeUndefined();
  });

  it('does not store a reply whose key was invalidated while it was in flight', () => {
    const cache = new NearCache({ maxBytes: 1 << 20, active: true });
    const ticket = cache.beginFill('k');
    cache.invalidate('k', 'redis');
    expect(cache.completeFill(ticket, value('old'), 1000)).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.pendingFills).toBe(0);
  });

  it('does not store a reply sent before a flush, a suspension, or a resumption', () => {
    const cache = new NearCache({ maxBytes: 1 << 20, active: true });
    const beforeFlush = cache.beginFill('a');
    cache.flush('breaker');
    expect(cache.completeFill(beforeFlush, value('old'), 1000)).toBe(false);
    const beforeSuspend = cache.beginFill('b');
    cache.suspend('connection');
    cache.resume();
    expect(cache.completeFill(beforeSuspend, value('old'), 1000)).toBe(false);
    expect(cache.entries).toBe(0);
  });

  it('lets only the latest of two concurrent reads of a key store', () => {
    const cache = new NearCache({ maxBytes: 1 << 20, active: true });
    const first = cache.beginFill('k');
    const second = cache.beginFill('k');
    expect(cache.completeFill(first, value('1'), 1000)).toBe(false);
    expect(cache.completeFill(second, value('2'), 1000)).toBe(true);
    expect(cache.get('k')?.bytes.toString()).toBe('"2"');
  });

  it('frees the slot of an abandoned read', () => {
    const cache = new NearCache({ maxBytes: 1 << 20, active: true });
    const ticket = cache.beginFill('k');
    cache.abandonFill(ticket);
    expect(cache.pendingFills).toBe(0);
    expect(cache.completeFill(ticket, value('v'), 1000)).toBe(false);
  });

  it('holds at most maxBytes, evicting the least recently used', () => {
    const sizes: number[] = [];
    const cache = new NearCache({ maxBytes: 10_000, active: true, events: { onSize: (bytes) => sizes.push(bytes) } });
    for (let i = 0; i < 200; i++) filled(cache, `key-${i}`, 'x'.repeat(i * 7 % 500), 60_000);
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10_000);
    expect(cache.get('key-199')).toBeDefined();
    expect(cache.get('key-0')).toBeUndefined();
    expect(cache.bytes).toBe([...Array(200).keys()].filter((i) => cache.get(`key-${i}`)).reduce((sum, i) => sum + entrySize(`key-${i}`, value('x'.repeat(i * 7 % 500))), 0));
  });

  it('refuses a value larger than the whole cache', () => {
    const cache = new NearCache({ maxBytes: 1000, active: true });
    expect(filled(cache, 'k', 'x'.repeat(2000), 60_000)).toBe(false);
    expect(cache.bytes).toBe(0);
  });

  it('reports flushes and invalidations', () => {
    const flushes: FlushReason[] = [];
    const invalidated: [string, number][] = [];
    const cache = new NearCache({ maxBytes: 1 << 20, active: true, events: { onFlush: (r) => flushes.push(r), onInvalidate: (s, n) => invalidated.push([s, n]) } });
    filled(cache, 'a', 'v', 1000);
    cache.invalidateMany(['a', 'b'], 'write');
    cache.invalidate('c', 'redis');
    cache.flush('redis_flush');
    cache.suspend('connection');
    cache.suspend('connection'); // already suspended and empty: nothing to flush
    expect(invalidated).toEqual([['write', 2], ['redis', 1]]);
    expect(flushes).toEqual(['redis_flush', 'connection']);
  });
});
