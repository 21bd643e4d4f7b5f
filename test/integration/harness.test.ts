import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { sharedRedisUrl, startRedis } from '../fixtures/redis.ts';

describe('redis harness', () => {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it('gives a shared Redis that answers', async () => {
    const c = new Redis(sharedRedisUrl(), { protocol: 2 });
    clients.push(c);
    expect(await c.ping()).toBe('PONG');
  });

  it('starts, kills and restarts a private redis-server on the same port', async () => {
    const r = await startRedis();
    const c = new Redis(r.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50 });
    c.on('error', () => {}); // refused reconnects while the server is down are expected here
    clients.push(c);
    // The client may already be ready (it reconnects every 50 ms): only wait for an event still to come.
    const ready = () => (c.status === 'ready' ? Promise.resolve() : new Promise((res) => c.once('ready', res)));
    await ready();
    await c.set('k', 'v');
    await r.kill();
    await expect(c.get('k')).rejects.toThrow();
    await r.restart();
    await ready();
    expect(await c.get('k')).toBeNull(); // nothing persisted across the kill
    await r.stop();
  });
});
