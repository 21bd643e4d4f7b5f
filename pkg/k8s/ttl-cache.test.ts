import { describe, expect, it } from 'vitest';
import { ttlCache } from './ttl-cache.ts';

describe('ttlCache', () => {
  it('reuses an answer within the TTL, reads again after it, and never caches a failure', async () => {
    // Starts above 0: lru-cache takes a start time of 0 for "no TTL".
    let t = 1;
    let calls = 0;
    let fail = false;
    const read = ttlCache(1000, async (k: string) => { calls += 1; if (fail) throw new Error('down'); return `${k}${calls}`; }, (k) => k, { now: () => t });
    expect(await read('a')).toBe('a1');
    t = 1001;
    expect(await read('a')).toBe('a1');
    expect(await read('b')).toBe('b2');
    t = 1002;
    fail = true;
    await expect(read('a')).rejects.toThrow('down');
    fail = false;
    expect(await read('a')).toBe('a4');
    expect(calls).toBe(4);
  });

  it('caches an undefined answer (no Secret, no HPA) like any other', async () => {
    let calls = 0;
    const read = ttlCache(1000, async () => { calls += 1; return undefined; }, () => 'k', { now: () => 1 });
    expect(await read()).toBeUndefined();
    expect(await read()).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('shares one call among concurrent reads of a key', async () => {
    let calls = 0;
    let release!: (v: string) => void;
    const read = ttlCache(1000, () => { calls += 1; return new Promise<string>((r) => { release = r; }); }, () => 'k', { now: () => 1 });
    const both = Promise.all([read(), read()]);
    release('v');
    expect(await both).toEqual(['v', 'v']);
    expect(calls).toBe(1);
  });

  it('keeps at most `max` keys, dropping the least recently used', async () => {
    const calls: string[] = [];
    const read = ttlCache(1000, async (k: string) => { calls.push(k); return k; }, (k) => k, { max: 2, now: () => 1 });
    await read('a'); await read('b');
    await read('a'); // a is now the most recent
    await read('c'); // evicts b
    await read('a'); await read('b');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('a TTL of 0 reads every time', async () => {
    let calls = 0;
    const read = ttlCache(0, async () => ++calls, () => 'k');
    await read(); await read();
    expect(calls).toBe(2);
  });
});
