import { describe, expect, it } from 'vitest';
import { CacheError } from './errors.ts';
import { MemoryStore } from './memory.ts';

const ns = { tenantKey: 't1', scope: 's' };

describe('MemoryStore', () => {
  it('gets what was set, with its remaining TTL, and misses after it expires', async () => {
    let now = 1000;
    const store = new MemoryStore({ clock: { now: () => now } });
    await store.set(ns, 'k', '{"a":1}', 1000);
    const hit = await store.get(ns, 'k');
    expect(hit?.json).toBe('{"a":1}');
    expect(hit?.ttlMs).toBeGreaterThan(900);
    expect(hit?.ttlMs).toBeLessThanOrEqual(1000);
    now += 1001;
    expect(await store.get(ns, 'k')).toBeNull();
  });

  it('keeps namespaces apart', async () => {
    const store = new MemoryStore();
    await store.set(ns, 'k', '1', 10_000);
    expect(await store.get({ tenantKey: 't2', scope: 's' }, 'k')).toBeNull();
    expect(await store.get({ tenantKey: 't1', scope: 's2' }, 'k')).toBeNull();
  });

  it('evicts least recently used entries to stay within its byte bound', async () => {
    const store = new MemoryStore({ maxBytes: 10_000 });
    const big = JSON.stringify('x'.repeat(1000));
    for (let i = 0; i < 20; i++) {
      await store.set(ns, `k${i}`, big, 60_000);
      if (i === 3) await store.get(ns, 'k0'); // k0 stays recently used for a while
    }
    expect(store.stats.bytes).toBeLessThanOrEqual(10_000);
    expect(await store.get(ns, 'k19')).not.toBeNull();
    expect(await store.get(ns, 'k1')).toBeNull();
    await expect(store.set(ns, 'huge', JSON.stringify('x'.repeat(10_000)), 1000)).rejects.toMatchObject({ kind: 'too_large' });
  });

  it('deletes and counts what it deleted', async () => {
    const store = new MemoryStore();
    await store.set(ns, 'k', '1', 10_000);
    expect(await store.del(ns, 'k')).toBe(1);
    expect(await store.del(ns, 'k')).toBe(0);
  });

  it('mget answers in order with misses as null; mset writes all', async () => {
    const store = new MemoryStore();
    await store.mset(ns, [{ key: 'a', json: '1', ttlMs: 5000 }, { key: 'b', json: '"two"', ttlMs: 5000 }]);
    const got = await store.mget(ns, ['b', 'missing', 'a']);
    expect(got.map((e) => e?.json ?? null)).toEqual(['"two"', null, '1']);
  });

  it('mset with one bad item writes none', async () => {
    const store = new MemoryStore();
    await expect(store.mset(ns, [{ key: 'a', json: '1', ttlMs: 5000 }, { key: '', json: '2', ttlMs: 5000 }])).rejects.toBeInstanceOf(CacheError);
    expect(await store.get(ns, 'a')).toBeNull();
  });

  it('applies a transaction in order and returns each result', async () => {
    const store = new MemoryStore();
    await store.set({ tenantKey: 't1', scope: 'b' }, 'old', '1', 10_000);
    const results = await store.transaction('t1', [
      { op: 'set', scope: 'a', key: 'k', json: '"v"', ttlMs: 10_000 },
      { op: 'incr', scope: 'a', key: 'n', by: 2 },
      { op: 'incr', scope: 'a', key: 'n', by: 3 },
      { op: 'get', scope: 'a', key: 'k' },
      { op: 'del', scope: 'b', key: 'old' },
      { op: 'expire', scope: 'a', key: 'n', ttlMs: 60_000 },
      { op: 'expire', scope: 'a', key: 'nothing', ttlMs: 60_000 },
    ]);
    expect(results[0]).toBe('OK');
    expect(results[1]).toBe(2);
    expect(results[2]).toBe(5);
    expect(results[3]).toMatchObject({ json: '"v"' });
    expect(results.slice(4)).toEqual([1, true, false]);
    expect((await store.get({ tenantKey: 't1', scope: 'a' }, 'n'))?.json).toBe('5');
    expect((await store.get({ tenantKey: 't1', scope: 'a' }, 'n'))?.ttlMs).toBeGreaterThan(59_000);
    expect(await store.get({ tenantKey: 't1', scope: 'b' }, 'old')).toBeNull();
  });

  it('fails a whole transaction when an incr meets a non-integer, applying nothing', async () => {
    const store = new MemoryStore();
    await store.set(ns, 'text', '"hello"', 10_000);
    await store.set(ns, 'keep', '1', 10_000);
    const run = store.transaction('t1', [
      { op: 'set', scope: 's', key: 'new', json: '1', ttlMs: 10_000 },
      { op: 'del', scope: 's', key: 'keep' },
      { op: 'incr', scope: 's', key: 'text', by: 1 },
    ]);
    await expect(run).rejects.toMatchObject({ kind: 'wrong_type' });
    expect(await store.get(ns, 'new')).toBeNull();
    expect((await store.get(ns, 'keep'))?.json).toBe('1');
    expect((await store.get(ns, 'text'))?.json).toBe('"hello"');
  });

  it('refuses malformed transactions before touching anything', async () => {
    const store = new MemoryStore();
    await expect(store.transaction('t1', [])).rejects.toMatchObject({ kind: 'invalid_value' });
    await expect(store.transaction('t1', [{ op: 'incr', scope: 's', key: 'n', by: 1.5 }])).rejects.toMatchObject({ kind: 'invalid_value' });
    await expect(store.transaction('bad tenant', [{ op: 'get', scope: 's', key: 'n' }])).rejects.toMatchObject({ kind: 'invalid_namespace' });
    await expect(store.transaction('t1', [{ op: 'set', scope: 's', key: 'n', json: '1', ttlMs: 0 }])).rejects.toMatchObject({ kind: 'invalid_ttl' });
  });

  it('answers unavailable once closed or when the signal has fired', async () => {
    const store = new MemoryStore();
    await expect(store.get(ns, 'k', { signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: 'unavailable' });
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
