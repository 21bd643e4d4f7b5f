/**
 * `npm run bench:kv`: what a cache GET with its remaining TTL costs on
 * ioredis, per variant, against a plain ioredis GET as the baseline, on a
 * private redis-server. Rounds alternate between variants; medians printed.
 * Env: BENCH_ROUNDS (default 5), BENCH_ROUND_MS (default 1000).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { RedisStore } from '../redis.ts';
import { encodeKey } from '../keys.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const cleanup = () => child.kill('SIGKILL');
process.on('exit', cleanup);
const url = `redis://127.0.0.1:${port}`;

const raw = new Redis(url, { protocol: 2, enableAutoPipelining: true, lazyConnect: true, retryStrategy: () => 50 });
raw.on('error', () => {});
for (let i = 0; i < 50; i++) {
  try { await raw.connect(); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
}
const scripted = raw as Redis & { pfget(key: string): Promise<[string, number] | null> };
scripted.defineCommand('pfget', { numberOfKeys: 1, lua: "local v = redis.call('GET', KEYS[1]) if not v then return false end return {v, redis.call('PTTL', KEYS[1])}" });
const storeNoTimer = new RedisStore({ url, commandTimeoutMs: 0 });
const storeTimer = new RedisStore({ url, commandTimeoutMs: 100 });
await storeNoTimer.waitReady();
await storeTimer.waitReady();

const ns = { tenantKey: 'bench', scope: 'knowledge.search' };
const stored = encodeKey('pilotfish', ns, 'k');
await raw.set(stored, JSON.stringify('x'.repeat(1022)), 'PX', 3_600_000);

const variants: Record<string, () => Promise<unknown>> = {
  'ioredis GET only (baseline, no TTL)': () => raw.get(stored),
  'RedisStore.get (GET+PTTL, commandTimeoutMs 0)': () => storeNoTimer.get(ns, 'k'),
  'RedisStore.get (GET+PTTL, commandTimeoutMs 100)': () => storeTimer.get(ns, 'k'),
  'EVALSHA GET+PTTL script': () => scripted.pfget(stored),
};

interface Round { rps: number; p50: number; p99: number; errors: number }
async function round(fn: () => Promise<unknown>, concurrency: number): Promise<Round> {
  const lat: number[] = [];
  let errors = 0;
  const end = performance.now() + ROUND_MS;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await fn();
      } catch {
        // A timeout under load is a result too: counted, and its latency kept.
        errors++;
      }
      lat.push(performance.now() - t);
    }
  }));
  lat.sort((a, b) => a - b);
  return { rps: lat.length / (ROUND_MS / 1000), p50: lat[lat.length >> 1] * 1000, p99: lat[Math.floor(lat.length * 0.99)] * 1000, errors };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`redis-server ${port}, 1 KB value, ${ROUNDS} alternating rounds of ${ROUND_MS} ms, medians`);
for (const concurrency of [32, 1]) {
  const results = new Map<string, Round[]>(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of Object.entries(variants)) results.get(name)!.push(await round(fn, concurrency));
  console.log(`\nconcurrency ${concurrency}`);
  console.log('variant'.padEnd(50), 'ops/s'.padStart(9), 'p50 µs'.padStart(8), 'p99 µs'.padStart(8), 'errors'.padStart(7));
  for (const [name, rounds] of results) {
    console.log(name.padEnd(50), String(Math.round(median(rounds.map((x) => x.rps)))).padStart(9), median(rounds.map((x) => x.p50)).toFixed(0).padStart(8), median(rounds.map((x) => x.p99)).toFixed(0).padStart(8), String(rounds.reduce((n, x) => n + x.errors, 0)).padStart(7));
  }
}
await storeNoTimer.close();
await storeTimer.close();
raw.disconnect();
cleanup();
