/**
 * The same backend failure means the same thing in process (StoreCache) and
 * through the sidecar (HTTP, then SidecarCache): an unexpected failure
 * (kind `other`, or any error a store throws that is not a CacheError) is
 * `unavailable`, the app goes on uncached, and the breaker stays closed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CacheError, MemoryStore, SidecarCache, StoreCache, type CacheStore } from '#pkg/kv/index.ts';
import { runSidecar, type RunningSidecar } from './cache-sidecar-helpers.ts';

const ns = { tenantKey: 'acme', scope: 'docs' };

/** A memory store whose reads and writes fail with `failure`. */
function failingStore(failure: () => Error): CacheStore {
  const memory = new MemoryStore();
  return {
    backend: 'memory',
    get: async () => { throw failure(); },
    set: async () => { throw failure(); },
    del: (n, k, o) => memory.del(n, k, o),
    mget: async () => { throw failure(); },
    mset: (n, items, o) => memory.mset(n, items, o),
    transaction: async () => { throw failure(); },
    ping: (o) => memory.ping(o),
    close: () => memory.close(),
  };
}

describe.each([
  ['a CacheError of kind other', () => new CacheError('other', 'unexpected reply from the backend')],
  ['a plain Error', () => new TypeError('store bug')],
])('a store failing with %s', (_, failure) => {
  let s: RunningSidecar | undefined;
  let client: SidecarCache | undefined;
  afterEach(async () => {
    await client?.close();
    await s?.close();
  });

  it('is unavailable in process and through the sidecar, on HTTP a 503 X-Cache: unavailable, and opens no breaker', async () => {
    const inProcess = new StoreCache(failingStore(failure));
    const local = await inProcess.get(ns, 'k');
    expect(local.status).toBe('unavailable');

    s = await runSidecar(failingStore(failure), { opTimeoutMs: 2000 });
    for (let i = 0; i < 4; i++) {
      const res = await s.call('/v1/cache/acme/docs/k');
      expect(res.status).toBe(503);
      expect(res.headers.get('x-cache')).toBe('unavailable');
      expect((await res.json()) as unknown).toEqual({ error: { code: 'backend_unavailable', message: 'cache backend unavailable; continue uncached' } });
    }
    // More failures than the breaker's threshold (3): a backend that answers, however oddly, is not down.
    expect(s.sidecar.guard.state).toBe('closed');

    client = new SidecarCache({ url: s.base, timeoutMs: 2000 });
    for (const result of [
      await client.get(ns, 'k'),
      await client.set(ns, 'k', 1),
      await client.mget(ns, ['k']),
      await client.transaction('acme', [{ op: 'get', scope: 'docs', key: 'k' }]),
    ]) expect(result.status).toBe('unavailable');
    for (const result of [
      await inProcess.set(ns, 'k', 1),
      await inProcess.mget(ns, ['k']),
      await inProcess.transaction('acme', [{ op: 'get', scope: 'docs', key: 'k' }]),
    ]) expect(result.status).toBe('unavailable');
    expect(s.logs.text()).toContain('cache backend failed unexpectedly');
  });
});
