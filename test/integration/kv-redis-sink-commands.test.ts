/**
 * RedisStore#readBytesInto sends GET and PTTL as sink commands
 * (pkg/kv/sink-commands.ts), which rely on two ioredis internals: the
 * constructor calls `initPromise()`, and ioredis settles every command through
 * `command.resolve(reply)` / `command.reject(err)`. The tests named
 * "ioredis internals: ..." fail by name when an upgrade changes either; the
 * rest check the answers against a real Redis, faults included.
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command, Redis } from 'ioredis';
import { CacheError, RedisStore, type BytesSink, type RawBytesEntry } from '#pkg/kv/index.ts';
import { GetIntoSink, PttlIntoSink } from '#pkg/kv/sink-commands.ts';
import { sharedRedisUrl, startRedis } from '#test/fixtures/redis.ts';
import { eventually } from '#test/fixtures/poll.ts';

const PREFIX = 'kvsink';
let store: RedisStore;
let raw: Redis;

beforeAll(async () => {
  store = new RedisStore({ url: sharedRedisUrl(), prefix: PREFIX, commandTimeoutMs: 0 });
  raw = new Redis(sharedRedisUrl(), { protocol: 2 });
  await store.waitReady();
});
afterAll(async () => {
  raw.disconnect();
  await store.close();
});

/** A sink that records every call, so a second call (which must never happen) is seen. */
function recordingSink() {
  const calls: { answer?: RawBytesEntry | null; fail?: unknown }[] = [];
  let settle!: () => void;
  const first = new Promise<void>((resolve) => { settle = resolve; });
  const sink: BytesSink = {
    answer(entry) { calls.push({ answer: entry }); settle(); },
    fail(err) { calls.push({ fail: err }); settle(); },
  };
  return { sink, calls, first };
}

async function readInto(s: RedisStore, tenant: string, scope: string, key: string, withTtl = true) {
  const r = recordingSink();
  s.readBytesInto(tenant, scope, key, withTtl, r.sink);
  await r.first;
  return r;
}

describe('ioredis internals relied on by the sink commands (ioredis pinned; see docs/development.md)', () => {
  it('ioredis internals: Command\'s constructor calls initPromise, so a sink command builds no promise', () => {
    expect(typeof (Command.prototype as unknown as { initPromise?: unknown }).initPromise).toBe('function');
    const stock = new Command('get', ['k']);
    expect(stock.promise).toBeInstanceOf(Promise); // the stock command's promise comes from initPromise
    const get = new GetIntoSink('k', recordingSink().sink, true);
    expect((get as unknown as { promise?: unknown }).promise).toBeUndefined();
    expect((new PttlIntoSink('k', get) as unknown as { promise?: unknown }).promise).toBeUndefined();
  });

  it('ioredis internals: a reply settles a command through command.resolve and an error reply through command.reject', async () => {
    await raw.set(`${PREFIX}:{t}:s:v`, 'bytes', 'PX', 60_000);
    await raw.rpush(`${PREFIX}:{t}:s:list`, 'x');
    try {
      const seen: string[] = [];
      const spy = (name: string) => ({
        answer: (e: RawBytesEntry | null) => { seen.push(`${name} answer ${e?.bytes.toString()}`); },
        fail: (err: unknown) => { seen.push(`${name} fail ${(err as CacheError).kind}`); },
      });
      const client = store.client as Redis;
      const get = new GetIntoSink(`${PREFIX}:{t}:s:v`, spy('v'), true);
      client.sendCommand(get as unknown as Command);
      client.sendCommand(new PttlIntoSink(`${PREFIX}:{t}:s:v`, get) as unknown as Command);
      client.sendCommand(new GetIntoSink(`${PREFIX}:{t}:s:list`, spy('list'), false) as unknown as Command);
      await eventually(() => seen.length === 2, 'both sinks called', 2000, 5);
      expect(seen).toEqual(['v answer bytes', 'list fail wrong_type']);
    } finally {
      await raw.del(`${PREFIX}:{t}:s:v`, `${PREFIX}:{t}:s:list`);
    }
  });
});

describe('RedisStore#readBytesInto', () => {
  it('answers a hit with its bytes and remaining TTL, a key without expiry with -1, a miss with null, and no TTL when not asked', async () => {
    await raw.set(`${PREFIX}:{a}:s:hit`, '{"v":1}', 'PX', 60_000);
    await raw.set(`${PREFIX}:{a}:s:forever`, '"f"');
    try {
      const hit = await readInto(store, 'a', 's', 'hit');
      const entry = hit.calls[0].answer!;
      expect(entry.bytes.toString()).toBe('{"v":1}');
      expect(entry.ttlMs).toBeGreaterThan(50_000);
      expect(entry.ttlMs).toBeLessThanOrEqual(60_000);
      expect((await readInto(store, 'a', 's', 'forever')).calls[0].answer).toEqual({ bytes: Buffer.from('"f"'), ttlMs: -1 });
      expect((await readInto(store, 'a', 's', 'absent')).calls).toEqual([{ answer: null }]);
      const bare = (await readInto(store, 'a', 's', 'hit', false)).calls[0].answer!;
      expect(bare.bytes.toString()).toBe('{"v":1}');
      expect(bare.ttlMs).toBeNaN();
    } finally {
      await raw.del(`${PREFIX}:{a}:s:hit`, `${PREFIX}:{a}:s:forever`);
    }
  });

  it('matches every reply to its read when many are in flight, interleaved with writes', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k, i) => (i % 3 === 0 ? Promise.resolve() : store.set({ tenantKey: 'many', scope: 's' }, k, JSON.stringify(k), 60_000))));
    const sinks = keys.map((k, i) => {
      const r = recordingSink();
      store.readBytesInto('many', 's', k, i % 2 === 0, r.sink);
      if (i % 50 === 0) void store.set({ tenantKey: 'many', scope: 'other' }, k, '0', 1000);
      return r;
    });
    await Promise.all(sinks.map((s) => s.first));
    sinks.forEach((s, i) => {
      expect(s.calls).toHaveLength(1);
      const entry = s.calls[0].answer;
      if (i % 3 === 0) expect(entry).toBeNull();
      else expect(entry?.bytes.toString()).toBe(JSON.stringify(keys[i]));
    });
    await raw.del(...keys.map((k) => `${PREFIX}:{many}:s:${k}`), ...keys.map((k) => `${PREFIX}:{many}:other:${k}`));
  });

  it('reports a key of another type as wrong_type once, and the connection goes on answering in order', async () => {
    await raw.hset(`${PREFIX}:{w}:s:hash`, 'f', 'v');
    await raw.set(`${PREFIX}:{w}:s:after`, '"ok"', 'PX', 60_000);
    try {
      const wrong = recordingSink();
      const after = recordingSink();
      store.readBytesInto('w', 's', 'hash', true, wrong.sink); // GET fails, its PTTL succeeds
      store.readBytesInto('w', 's', 'after', true, after.sink);
      await Promise.all([wrong.first, after.first]);
      await new Promise((r) => setTimeout(r, 20));
      expect(wrong.calls).toHaveLength(1);
      expect(wrong.calls[0].fail).toBeInstanceOf(CacheError);
      expect((wrong.calls[0].fail as CacheError).kind).toBe('wrong_type');
      expect(after.calls).toEqual([{ answer: { bytes: Buffer.from('"ok"'), ttlMs: expect.any(Number) } }]);
    } finally {
      await raw.del(`${PREFIX}:{w}:s:hash`, `${PREFIX}:{w}:s:after`);
    }
  });

  it('fails every read in flight once when Redis dies, fails at once while it is down, and answers again after it is back', async () => {
    const redis = await startRedis();
    const own = new RedisStore({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 0, reconnectBaseMs: 10, reconnectMaxMs: 50 });
    try {
      await own.waitReady();
      await own.set({ tenantKey: 'f', scope: 's' }, 'k', '"v"', 60_000);
      redis.pause(); // the reads below wait in the command queue
      const inFlight = Array.from({ length: 20 }, (_, i) => {
        const r = recordingSink();
        own.readBytesInto('f', 's', 'k', i % 2 === 0, r.sink);
        return r;
      });
      await redis.kill();
      await Promise.all(inFlight.map((r) => r.first));
      await eventually(() => own.status() === 'down', 'the store sees Redis down', 5000, 10);
      const whileDown = await readInto(own, 'f', 's', 'k');
      await new Promise((r) => setTimeout(r, 50));
      for (const r of [...inFlight, whileDown]) {
        expect(r.calls).toHaveLength(1);
        expect((r.calls[0].fail as CacheError).kind).toBe('unavailable');
      }
      await redis.restart();
      await own.waitReady(5000);
      expect((await readInto(own, 'f', 's', 'k')).calls).toEqual([{ answer: null }]); // nothing persisted
    } finally {
      await own.close();
      await redis.stop();
    }
  });

  it('fails a read with timeout when Redis stalls past the command timeout, and ignores its late reply', async () => {
    const redis = await startRedis();
    const own = new RedisStore({ url: redis.url, prefix: PREFIX, commandTimeoutMs: 100 });
    try {
      await own.waitReady();
      await own.set({ tenantKey: 'st', scope: 's' }, 'k', '"v"', 60_000);
      redis.pause();
      const stalled = await readInto(own, 'st', 's', 'k');
      expect((stalled.calls[0].fail as CacheError).kind).toBe('timeout');
      redis.resume();
      const next = await readInto(own, 'st', 's', 'k');
      expect(next.calls[0].answer?.bytes.toString()).toBe('"v"');
      expect(stalled.calls).toHaveLength(1);
    } finally {
      redis.resume();
      await own.close();
      await redis.stop();
    }
  });

  it('takes the promise path while something traces ioredis commands, so the tracer sees each command settle', async () => {
    await raw.set(`${PREFIX}:{tr}:s:k`, '"traced"', 'PX', 60_000);
    const traced: string[] = [];
    const onEnd = (ctx: unknown) => { traced.push(String((ctx as { command?: string }).command)); };
    const end = channel('tracing:ioredis:command:asyncEnd');
    end.subscribe(onEnd);
    try {
      expect(tracingChannel('ioredis:command').hasSubscribers).toBe(true);
      const r = await readInto(store, 'tr', 's', 'k');
      expect(r.calls[0].answer?.bytes.toString()).toBe('"traced"');
      await eventually(() => traced.length >= 2, 'the tracer saw GET and PTTL settle', 2000, 5);
      expect(traced.slice(-2).map((c) => c.toLowerCase())).toEqual(['get', 'pttl']);
    } finally {
      end.unsubscribe(onEnd);
      await raw.del(`${PREFIX}:{tr}:s:k`);
    }
  });
});
