/**
 * Values that are not UTF-8 travel byte-exactly through `Upstash-Encoding:
 * base64`: written through the path form's raw body, by the real client's
 * bit commands, or by another Redis client, and read back as a single
 * command, a pipeline, a transaction and inside arrays.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { upstashClient, upstashSidecarForFile, type UpstashSidecar } from './cache-sidecar-upstash-helpers.ts';

const PREFIX = `pfupb-${randomUUID().slice(0, 8)}`;
const MAX_BODY = 4096;
const file = upstashSidecarForFile({ redisUrl: sharedRedisUrl(), prefix: PREFIX, grants: [{ tenant: 'acme' }], maxBodyBytes: MAX_BODY });
let s: UpstashSidecar;
let direct: Redis;
beforeAll(() => { ({ sidecar: s, direct } = file); });

const stored = (name: string) => `${PREFIX}:{acme}:upstash:${name}`;
/** Not UTF-8 anywhere: a lone continuation byte, an overlong form, a truncated sequence, NUL and 0xFF. */
const BYTES = Buffer.from([0x80, 0xc0, 0xaf, 0x00, 0xff, 0xe2, 0x82, 0x41, 0xfe]);

/** A raw Upstash call with base64 answers; the body is sent as given (bytes or JSON text). */
async function raw(path: string, body: Buffer | string, base64 = true): Promise<{ status: number; json: unknown }> {
  const res = await fetch(s.base + path, {
    method: 'POST', body,
    headers: { authorization: `Bearer ${s.tokens.acme}`, ...(base64 ? { 'upstash-encoding': 'base64' } : {}) },
    signal: AbortSignal.timeout(3000),
  });
  return { status: res.status, json: await res.json() };
}
const bytesOf = (b64: unknown) => Buffer.from(b64 as string, 'base64');

describe('binary values through the Upstash endpoint', () => {
  it('stores a path-form body that is not UTF-8 as its bytes, and answers GET with exactly those bytes', async () => {
    const k = `bin-${randomUUID().slice(0, 6)}`;
    expect(await raw(`/upstash/set/${k}`, BYTES)).toEqual({ status: 200, json: { result: 'OK' } });
    expect(await direct.getBuffer(stored(k))).toEqual(BYTES);
    const one = await raw('/upstash', JSON.stringify(['get', k]));
    expect(one.status).toBe(200);
    expect(bytesOf((one.json as { result: string }).result)).toEqual(BYTES);
    const pathGet = await raw(`/upstash/get/${k}`, '');
    expect(bytesOf((pathGet.json as { result: string }).result)).toEqual(BYTES);
    // Options after the body still apply (and are clamped to the scope's rule).
    expect((await raw(`/upstash/set/${k}?EX=100`, BYTES)).status).toBe(200);
    expect(await direct.getBuffer(stored(k))).toEqual(BYTES);
    expect(await direct.ttl(stored(k))).toBeGreaterThan(90);
  });

  it('answers bytes another client wrote exactly in pipelines, transactions and arrays', async () => {
    const k = `bin-${randomUUID().slice(0, 6)}`;
    await direct.set(stored(`${k}s`), BYTES);
    await direct.hset(stored(`${k}h`), 'f', BYTES);
    await direct.rpush(stored(`${k}l`), BYTES, Buffer.from([0xff]));
    const pipeline = await raw('/upstash/pipeline', JSON.stringify([['get', `${k}s`], ['hgetall', `${k}h`], ['lrange', `${k}l`, 0, -1], ['mget', `${k}s`, `${k}none`]]));
    expect(pipeline.status).toBe(200);
    const [get, hash, list, mget] = (pipeline.json as { result: unknown }[]).map((r) => r.result);
    expect(bytesOf(get)).toEqual(BYTES);
    expect((hash as string[]).map(bytesOf)).toEqual([Buffer.from('f'), BYTES]);
    expect((list as string[]).map(bytesOf)).toEqual([BYTES, Buffer.from([0xff])]);
    expect(bytesOf((mget as unknown[])[0])).toEqual(BYTES);
    expect((mget as unknown[])[1]).toBeNull();
    const tx = await raw('/upstash/multi-exec', JSON.stringify([['getdel', `${k}s`], ['exists', `${k}s`]]));
    expect(bytesOf((tx.json as { result: unknown }[])[0].result)).toEqual(BYTES);
    expect((tx.json as { result: unknown }[])[1].result).toBe(0);
  });

  it('gives the real client\'s bit writes back as the exact bytes they made', async () => {
    const client = upstashClient(s, 'acme');
    const k = `bits-${randomUUID().slice(0, 6)}`;
    // Bit 0 set and bit 15 set: 0x80 0x01, which is not UTF-8.
    expect(await client.setbit(k, 0, 1)).toBe(0);
    expect(await client.setbit(k, 15, 1)).toBe(0);
    expect(await client.getbit(k, 15)).toBe(1);
    expect(await client.bitcount(k, 0, -1)).toBe(2);
    const res = await raw('/upstash', JSON.stringify(['get', k]));
    expect(bytesOf((res.json as { result: string }).result)).toEqual(Buffer.from([0x80, 0x01]));
    // UTF-8 text still round-trips through the client in both encodings.
    expect(await client.set(`${k}t`, 'héllo ✓ 😀')).toBe('OK');
    expect(await client.get(`${k}t`)).toBe('héllo ✓ 😀');
    expect(await upstashClient(s, 'acme', { base64: false }).get(`${k}t`)).toBe('héllo ✓ 😀');
  });

  it('refuses a body that is not UTF-8 where a key or an option belongs, and writes nothing', async () => {
    // SET <body> <query>: the body lands on the key.
    const res = await raw('/upstash/set?stored-value', BYTES);
    expect(res).toEqual({ status: 400, json: { error: 'ERR a body that is not UTF-8 can only be a value, not a key or an option' } });
    const keys = await direct.keys(`${PREFIX}:{acme}:upstash:*\uFFFD*`);
    expect(keys).toEqual([]);
  });

  it('reads a body that arrives in pieces, and refuses one over the limit with 413, writing nothing', async () => {
    const k = `pieces-${randomUUID().slice(0, 6)}`;
    const send = (parts: Buffer[], path = '/upstash') => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${s.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${s.tokens.acme}`, 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.flushHeaders();
      // Each piece after the server has seen the last, so the body is not whole when the request starts.
      const next = (i: number) => {
        if (i === parts.length) return req.end();
        req.write(parts[i], () => setTimeout(() => next(i + 1), 20));
      };
      next(0);
    });
    const command = Buffer.from(JSON.stringify(['set', k, 'v'.repeat(100)]));
    expect(await send([command.subarray(0, 10), command.subarray(10, 50), command.subarray(50)])).toEqual({ status: 200, body: '{"result":"OK"}' });
    expect(await direct.get(stored(k))).toBe('v'.repeat(100));
    const tooLarge = Buffer.from(JSON.stringify(['set', `${k}big`, 'v'.repeat(MAX_BODY)]));
    const refused = await send([tooLarge.subarray(0, 100), tooLarge.subarray(100)]);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toEqual({ error: expect.stringMatching(/^ERR body exceeds 4096 bytes/) });
    expect(await direct.exists(stored(`${k}big`))).toBe(0);
    const declared = await raw('/upstash', tooLarge);
    expect(declared.status).toBe(413);
  });
});
