import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '#pkg/kv/index.ts';
import { sharedRedisUrl } from '#test/fixtures/redis.ts';

/**
 * A large value through the store's GET: ioredis assembles it from several
 * socket reads into a buffer of its own, which the store passes on whole
 * (pkg/kv/reply-bytes.ts decides when a reply must be copied out of its read
 * chunk; its unit test covers the small replies).
 */
const store = new RedisStore({ url: sharedRedisUrl(), prefix: 'pf-reply-memory' });
const ns = { tenantKey: 'reply-memory', scope: 's' };
afterAll(async () => {
  await store.del(ns, 'large');
  await store.close();
});

describe('redis store GET bytes', () => {
  it('pass a large value on in the buffer the parser assembled, whole', async () => {
    await store.waitReady();
    const json = JSON.stringify({ doc: 'y'.repeat(1024 * 1024) });
    await store.set(ns, 'large', json, 60_000);
    const entry = await store.getBytes(ns, 'large');
    expect(entry!.bytes.length).toBe(Buffer.byteLength(json));
    expect(entry!.bytes.equals(Buffer.from(json))).toBe(true);
    expect(entry!.bytes.buffer.byteLength).toBe(entry!.bytes.length);
    expect(entry!.ttlMs).toBeGreaterThan(0);
  });
});
