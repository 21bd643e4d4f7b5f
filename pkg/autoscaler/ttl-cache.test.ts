import { describe, expect, it } from 'vitest';
import { ttlCache } from './ttl-cache.ts';

describe('ttlCache', () => {
  it('reuses an answer within the TTL, reads again after it, and never caches a failure', async () => {
    let t = 0;
    let calls = 0;
    let fail = false;
    const read = ttlCache(1000, async (k: string) => { calls += 1; if (fail) throw new Error('down'); return `${k}${calls}`; }, (k) => k, () => t);
    expect(await read('a')).toBe('a1');
    t = 999;
    expect(await read('a')).toBe('a1');
    expect(await read('b')).toBe('b2');
    t = 1000;
    fail = true;
    await expect(read('a')).rejects.toThrow('down');
    fail = false;
    expect(await read('a')).toBe('a4');
    expect(calls).toBe(4);
  });
  it('a TTL of 0 reads every time', async () => {
    let calls = 0;
    const read = ttlCache(0, async () => ++calls, () => 'k');
    await read(); await read();
    expect(calls).toBe(2);
  });
});
