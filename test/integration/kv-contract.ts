/**
 * The behaviour every CacheStore backend must show, run against each real
 * backend by the kv-*.test.ts suites. Each call gets a fresh tenant, so suites
 * sharing one Redis never see each other's keys.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CacheError, type CacheStore } from '#pkg/kv/index.ts';

export function storeContract(name: string, getStore: () => CacheStore): void {
  const tenant = () => `t-${randomUUID().slice(0, 8)}`;

  describe(`${name} store contract`, () => {
    it('sets and gets JSON text with its remaining TTL; misses unknown keys', async () => {
      const store = getStore();
      const ns = { tenantKey: tenant(), scope: 'knowledge.search' };
      await store.set(ns, 'q:what is pilotfish?', '{"hits":[1,2,3]}', 10_000);
      const hit = await store.get(ns, 'q:what is pilotfish?');
      expect(hit?.json).toBe('{"hits":[1,2,3]}');
      expect(hit!.ttlMs).toBeGreaterThan(9000);
      expect(hit!.ttlMs).toBeLessThanOrEqual(10_000);
      expect(await store.get(ns, 'never-set')).toBeNull();
    });

    it('getBytes, where offered, answers the same entry as bytes', async (ctx) => {
      const store = getStore();
      if (!store.getBytes) return ctx.skip();
      const ns = { tenantKey: tenant(), scope: 's' };
      await store.set(ns, 'k', '{"ü":"✓"}', 10_000);
      const entry = await store.getBytes(ns, 'k');
      expect(Buffer.isBuffer(entry?.bytes)).toBe(true);
      expect(entry!.bytes.toString('utf8')).toBe('{"ü":"✓"}');
      expect(entry!.ttlMs).toBeGreaterThan(9000);
      expect(await store.getBytes(ns, 'missing')).toBeNull();
      await expect(store.getBytes({ tenantKey: 'bad tenant', scope: 's' }, 'k')).rejects.toMatchObject({ kind: 'invalid_namespace' });
    });

    it('expires entries after their TTL', async () => {
      const store = getStore();
      const ns = { tenantKey: tenant(), scope: 's' };
      await store.set(ns, 'short', '1', 50);
      await new Promise((r) => setTimeout(r, 120));
      expect(await store.get(ns, 'short')).toBeNull();
    });

    it('stores any Unicode key and keeps tenants and scopes apart', async () => {
      const store = getStore();
      const t1 = tenant();
      const t2 = tenant();
      const key = 'ключ:{x}:🙂 / ?&';
      await store.set({ tenantKey: t1, scope: 'a' }, key, '"t1a"', 10_000);
      await store.set({ tenantKey: t1, scope: 'b' }, key, '"t1b"', 10_000);
      await store.set({ tenantKey: t2, scope: 'a' }, key, '"t2a"', 10_000);
      // A key that spells what another scope's key would look like, if encoding were naive.
      await store.set({ tenantKey: t1, scope: 'a' }, `b:${key}`, '"tricky"', 10_000);
      expect((await store.get({ tenantKey: t1, scope: 'a' }, key))?.json).toBe('"t1a"');
      expect((await store.get({ tenantKey: t1, scope: 'b' }, key))?.json).toBe('"t1b"');
      expect((await store.get({ tenantKey: t2, scope: 'a' }, key))?.json).toBe('"t2a"');
      expect(await store.get({ tenantKey: t2, scope: 'b' }, key)).toBeNull();
      expect(await store.del({ tenantKey: t1, scope: 'a' }, key)).toBe(1);
      expect((await store.get({ tenantKey: t1, scope: 'b' }, key))?.json).toBe('"t1b"');
    });

    it('deletes and reports how many keys it removed', async () => {
      const store = getStore();
      const ns = { tenantKey: tenant(), scope: 's' };
      await store.set(ns, 'k', '1', 10_000);
      expect(await store.del(ns, 'k')).toBe(1);
      expect(await store.del(ns, 'k')).toBe(0);
      expect(await store.get(ns, 'k')).toBeNull();
    });

    it('mset writes every item with its own TTL; mget answers in order', async () => {
      const store = getStore();
      const ns = { tenantKey: tenant(), scope: 's' };
      await store.mset(ns, [
        { key: 'a', json: '1', ttlMs: 5000 },
        { key: 'b', json: '{"b":true}', ttlMs: 60_000 },
      ]);
      const [b, missing, a] = await store.mget(ns, ['b', 'missing', 'a']);
      expect(b?.json).toBe('{"b":true}');
      expect(b!.ttlMs).toBeGreaterThan(55_000);
      expect(missing).toBeNull();
      expect(a?.json).toBe('1');
      expect(a!.ttlMs).toBeLessThanOrEqual(5000);
      expect(await store.mget(ns, [])).toEqual([]);
    });

    it('mset with an invalid item writes nothing', async () => {
      const store = getStore();
      const ns = { tenantKey: tenant(), scope: 's' };
      const bad = store.mset(ns, [{ key: 'ok', json: '1', ttlMs: 5000 }, { key: 'x'.repeat(1025), json: '2', ttlMs: 5000 }]);
      await expect(bad).rejects.toMatchObject({ kind: 'invalid_key' });
      expect(await store.get(ns, 'ok')).toBeNull();
    });

    it('applies a transaction across scopes of one tenant, returning results in order', async () => {
      const store = getStore();
      const t = tenant();
      await store.set({ tenantKey: t, scope: 'b' }, 'old', '"x"', 10_000);
      const results = await store.transaction(t, [
        { op: 'set', scope: 'a', key: 'k', json: '{"v":1}', ttlMs: 10_000 },
        { op: 'incr', scope: 'a', key: 'n', by: 2 },
        { op: 'incr', scope: 'a', key: 'n', by: -5 },
        { op: 'get', scope: 'a', key: 'k' },
        { op: 'get', scope: 'a', key: 'none' },
        { op: 'del', scope: 'b', key: 'old' },
        { op: 'expire', scope: 'a', key: 'n', ttlMs: 60_000 },
        { op: 'expire', scope: 'a', key: 'none', ttlMs: 60_000 },
      ]);
      expect(results[0]).toBe('OK');
      expect(results.slice(1, 3)).toEqual([2, -3]);
      expect(results[3]).toMatchObject({ json: '{"v":1}' });
      expect(results.slice(4)).toEqual([null, 1, true, false]);
      const n = await store.get({ tenantKey: t, scope: 'a' }, 'n');
      expect(n?.json).toBe('-3');
      expect(n!.ttlMs).toBeGreaterThan(55_000);
      expect(await store.get({ tenantKey: t, scope: 'b' }, 'old')).toBeNull();
    });

    it('refuses a whole transaction when an incr meets a non-integer: nothing applied, wrong_type', async () => {
      const store = getStore();
      const t = tenant();
      const ns = { tenantKey: t, scope: 's' };
      await store.set(ns, 'text', '"hello"', 10_000);
      await store.set(ns, 'keep', '7', 10_000);
      await store.set(ns, 'counter', '1', 10_000);
      const run = store.transaction(t, [
        { op: 'set', scope: 's', key: 'new', json: '1', ttlMs: 10_000 },
        { op: 'incr', scope: 's', key: 'counter', by: 1 },
        { op: 'del', scope: 's', key: 'keep' },
        { op: 'incr', scope: 's', key: 'text', by: 1 },
      ]);
      await expect(run).rejects.toBeInstanceOf(CacheError);
      await expect(run).rejects.toMatchObject({ kind: 'wrong_type' });
      await expect(run).rejects.toThrow(/op 3/);
      expect(await store.get(ns, 'new')).toBeNull();
      expect((await store.get(ns, 'keep'))?.json).toBe('7');
      expect((await store.get(ns, 'counter'))?.json).toBe('1');
    });

    it('sees its own writes inside a transaction (set then incr of a non-integer fails; of an integer works)', async () => {
      const store = getStore();
      const t = tenant();
      await expect(store.transaction(t, [
        { op: 'set', scope: 's', key: 'k', json: '"a"', ttlMs: 10_000 },
        { op: 'incr', scope: 's', key: 'k', by: 1 },
      ])).rejects.toMatchObject({ kind: 'wrong_type' });
      expect(await store.get({ tenantKey: t, scope: 's' }, 'k')).toBeNull();
      expect(await store.transaction(t, [
        { op: 'set', scope: 's', key: 'k', json: '41', ttlMs: 10_000 },
        { op: 'incr', scope: 's', key: 'k', by: 1 },
      ])).toEqual(['OK', 42]);
    });

    it('refuses an incr that would leave the exact integer range, or of a non-canonical integer', async () => {
      const store = getStore();
      const t = tenant();
      const ns = { tenantKey: t, scope: 's' };
      await store.set(ns, 'big', '9007199254740991', 10_000);
      await store.set(ns, 'padded', '007', 10_000);
      await expect(store.transaction(t, [{ op: 'incr', scope: 's', key: 'big', by: 1 }])).rejects.toMatchObject({ kind: 'wrong_type' });
      await expect(store.transaction(t, [{ op: 'incr', scope: 's', key: 'padded', by: 1 }])).rejects.toMatchObject({ kind: 'wrong_type' });
      expect((await store.get(ns, 'big'))?.json).toBe('9007199254740991');
      expect(await store.transaction(t, [{ op: 'incr', scope: 's', key: 'big', by: -1 }])).toEqual([9007199254740990]);
    });

    it('refuses bad input with a clear error before touching the backend', async () => {
      const store = getStore();
      await expect(store.get({ tenantKey: 'bad tenant', scope: 's' }, 'k')).rejects.toMatchObject({ kind: 'invalid_namespace' });
      await expect(store.set({ tenantKey: 't', scope: 's' }, '', '1', 1000)).rejects.toMatchObject({ kind: 'invalid_key' });
      await expect(store.set({ tenantKey: 't', scope: 's' }, 'k', '1', 0)).rejects.toMatchObject({ kind: 'invalid_ttl' });
      await expect(store.mget({ tenantKey: 't', scope: 's' }, Array.from({ length: 1001 }, (_, i) => `k${i}`))).rejects.toMatchObject({ kind: 'invalid_value' });
    });

    it('answers ping', async () => {
      await expect(getStore().ping()).resolves.toBeUndefined();
    });
  });
}
