import net from 'node:net';
import type { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisStore } from '#pkg/kv/index.ts';
import { sharedRedisUrl } from '#test/fixtures/redis.ts';

/**
 * The redis store sends everything of one event-loop turn in one write (its
 * socket corked until the check phase) instead of through ioredis'
 * auto-pipelining. The writes the socket hands to the system are counted
 * (every write goes through the stream's `_write` or, batched, `_writev`),
 * a TCP relay in front of the real Redis records what was sent, and every
 * reply must still reach its own caller.
 */
let relay: net.Server;
let relayUrl: string;
const chunks: Buffer[] = [];

beforeAll(async () => {
  const target = new URL(sharedRedisUrl());
  relay = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as net.AddressInfo;
  relayUrl = `redis://127.0.0.1:${port}${target.pathname}`;
});
afterAll(() => new Promise<void>((resolve) => relay.close(() => resolve())));

const ns = { tenantKey: 'batching', scope: 's' };

/** Counts the writes a stream makes (one per `_write` or `_writev` call). */
function countWrites(stream: Writable): { readonly count: number } {
  const counter = { count: 0 };
  const write = stream._write.bind(stream);
  stream._write = (chunk, encoding, callback) => { counter.count++; write(chunk, encoding, callback); };
  const writev = stream._writev?.bind(stream);
  if (writev) stream._writev = (chunks, callback) => { counter.count++; writev(chunks, callback); };
  return counter;
}

describe('redis store batching', () => {
  it('writes the GET and PTTL of 40 reads made in one turn as one batch, each reply to its own caller', async () => {
    const store = new RedisStore({ url: relayUrl, prefix: 'kvbatch' });
    try {
      await store.waitReady();
      for (let i = 0; i < 40; i++) await store.set(ns, `k${i}`, JSON.stringify({ i }), 60_000 + i * 1000);
      await new Promise((r) => setImmediate(r));
      chunks.length = 0;
      const writes = countWrites((store.client as Redis).stream);

      const reads = Array.from({ length: 40 }, (_, i) => store.getBytes(ns, `k${i}`));
      const entries = await Promise.all(reads);

      entries.forEach((entry, i) => {
        expect(JSON.parse(entry!.bytes.toString())).toEqual({ i });
        expect(entry!.ttlMs).toBeGreaterThan(60_000 + i * 1000 - 5000);
        expect(entry!.ttlMs).toBeLessThanOrEqual(60_000 + i * 1000);
      });
      const sent = Buffer.concat(chunks).toString();
      expect(sent.match(/\$3\r\nGET\r\n/gi)).toHaveLength(40);
      expect(sent.match(/\$4\r\nPTTL\r\n/gi)).toHaveLength(40);
      expect(writes.count).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('keeps the order of a write and a read sent in the same turn', async () => {
    const store = new RedisStore({ url: relayUrl, prefix: 'kvbatch' });
    try {
      await store.waitReady();
      await store.set(ns, 'order', '"before"', 60_000);
      const [, read, , reread] = await Promise.all([
        store.set(ns, 'order', '"after"', 60_000),
        store.get(ns, 'order'),
        store.del(ns, 'order'),
        store.get(ns, 'order'),
      ]);
      expect(read?.json).toBe('"after"');
      expect(reread).toBeNull();
    } finally {
      await store.close();
    }
  });
});
