// npm run bench:queue — the cost of pkg/queue's worker instrumentation.
// A noop processor at concurrency 50 over 20,000 jobs, plain vs instrumented,
// alternating in one run against a private redis-server (or BENCH_REDIS_URL, which it flushes).
// Prints jobs/s medians, the overhead, and Redis commands per job from
// INFO commandstats for each variant (the instrumentation adds none per job).
// Env: BENCH_JOBS (20000), BENCH_CONCURRENCY (50), BENCH_ROUNDS (8 pairs).
// On a shared machine single runs swing widely: read the median of the
// per-pair ratios (each pair runs back to back, in alternating order) and
// the worker process's CPU time per job, which other load barely moves.
// bench/queue/attribution.ts splits the CPU cost piece by piece over more rounds.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Metrics } from '#pkg/metrics/index.ts';
import { instrumentWorker, queueTelemetry } from '#pkg/queue/index.ts';
import { benchJson } from './report-json.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; child?: ChildProcess }> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL };
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { retryStrategy: () => 25, maxRetriesPerRequest: null });
  probe.on('error', () => undefined); // refused until the server listens
  await probe.ping();
  probe.disconnect();
  return { url: `redis://127.0.0.1:${port}`, child };
}

async function totalCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) total += Number(m[1]);
  return total;
}

interface Run { variant: 'plain' | 'instrumented'; jobsPerSec: number; commandsPerJob: number; cpuMicrosPerJob: number }

async function run(url: string, admin: Redis, variant: Run['variant'], round: number): Promise<Run> {
  const name = `bench-${variant}-${round}-${process.pid}`;
  const qConn = new Redis(url, { maxRetriesPerRequest: null, protocol: 2 });
  const queue = new Queue(name, { connection: qConn });
  for (let sent = 0; sent < JOBS; sent += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, JOBS - sent) }, (_, i) => ({ name: 'noop', data: { i: sent + i }, opts: { removeOnComplete: true } })));
  }
  const wConn = new Redis(url, { maxRetriesPerRequest: null, protocol: 2 });
  const hbConn = new Redis(url, { protocol: 2 });
  const worker = new Worker(name, async () => undefined, { connection: wConn, concurrency: CONCURRENCY, autorun: false });
  const metrics = new Metrics({ defaultMetrics: false });
  const inst = variant === 'instrumented' ? instrumentWorker(worker, { metrics, heartbeatRedis: hbConn }) : undefined;
  let done = 0;
  let resolveDone!: () => void;
  const finished = new Promise<void>((r) => { resolveDone = r; });
  worker.on('completed', () => { if (++done === JOBS) resolveDone(); });
  await worker.waitUntilReady();
  await admin.config('RESETSTAT');
  const before = await totalCalls(admin);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  void worker.run();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = await totalCalls(admin);
  await inst?.stop();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  for (const c of [qConn, wConn, hbConn]) c.disconnect();
  // The two INFO calls themselves are excluded.
  return { variant, jobsPerSec: JOBS / seconds, commandsPerJob: (after - before - 1) / JOBS, cpuMicrosPerJob: (cpu.user + cpu.system) / JOBS };
}

/** The instrumentation's own CPU per job, without Redis: start + end + completed (median of 5 warm runs). */
function hotPathNanos(): number {
  const telemetry = queueTelemetry(new Metrics({ defaultMetrics: false }), 'hot-path');
  const job = { timestamp: Date.now(), opts: {}, attemptsMade: 0, attemptsStarted: 1 };
  const n = 200_000;
  const samples: number[] = [];
  for (let rep = 0; rep < 6; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      telemetry.attemptStarted(job, Date.now());
      telemetry.attemptEnded(0.0001, 'ok');
      telemetry.completed(Date.now());
    }
    telemetry.flush();
    if (rep > 0) samples.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(samples);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const redis = await startRedis();
const admin = new Redis(redis.url, { protocol: 2 });
try {
  await admin.flushall();
  console.log(`bench:queue — ${JOBS} jobs, noop processor, concurrency ${CONCURRENCY}, ${ROUNDS} alternating pairs, redis ${redis.child ? 'private' : 'BENCH_REDIS_URL'}`);
  // Warm-up (JIT, scripts loaded), not counted.
  await run(redis.url, admin, 'plain', -1);
  await run(redis.url, admin, 'instrumented', -1);
  const runs: Run[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order: Run['variant'][] = r % 2 === 0 ? ['plain', 'instrumented'] : ['instrumented', 'plain'];
    const pair: Partial<Record<Run['variant'], number>> = {};
    for (const v of order) {
      const res = await run(redis.url, admin, v, r);
      runs.push(res);
      pair[v] = res.jobsPerSec;
      console.log(`  round ${r + 1} ${v.padEnd(12)} ${res.jobsPerSec.toFixed(0).padStart(6)} jobs/s  ${res.cpuMicrosPerJob.toFixed(1).padStart(6)} µs worker CPU/job  ${res.commandsPerJob.toFixed(3)} redis commands/job`);
    }
    ratios.push(pair.instrumented! / pair.plain!);
  }
  const pick = (v: Run['variant']) => runs.filter((x) => x.variant === v);
  const plain = median(pick('plain').map((x) => x.jobsPerSec));
  const inst = median(pick('instrumented').map((x) => x.jobsPerSec));
  const cmdPlain = median(pick('plain').map((x) => x.commandsPerJob));
  const cmdInst = median(pick('instrumented').map((x) => x.commandsPerJob));
  const overhead = ((plain - inst) / plain) * 100;
  const cpuPlain = median(pick('plain').map((x) => x.cpuMicrosPerJob));
  const cpuInst = median(pick('instrumented').map((x) => x.cpuMicrosPerJob));
  console.log(`median jobs/s: plain ${plain.toFixed(0)}, instrumented ${inst.toFixed(0)} (${overhead.toFixed(2)}% apart)`);
  console.log(`median worker CPU per job: plain ${cpuPlain.toFixed(1)} µs, instrumented ${cpuInst.toFixed(1)} µs: +${(((cpuInst - cpuPlain) / cpuPlain) * 100).toFixed(2)}% CPU per job (what jobs/s loses when the worker process is the bottleneck; insensitive to other load on the machine)`);
  console.log(`median per-pair overhead: ${((1 - median(ratios)) * 100).toFixed(2)}% of jobs/s (target < 3%; negative = instrumented faster, i.e. noise)`);
  console.log(`median redis commands/job (INFO commandstats, calls inside BullMQ's Lua scripts included): plain ${cmdPlain.toFixed(3)}, instrumented ${cmdInst.toFixed(3)}; difference ${(cmdInst - cmdPlain).toFixed(4)} per job (the heartbeat's 2 commands per 5 s are all it adds)`);
  const hotPath = hotPathNanos();
  console.log(`instrumentation hot path (no I/O): ${hotPath.toFixed(0)} ns per job`);
  const json = benchJson('queue', { jobs: JOBS, concurrency: CONCURRENCY, rounds: ROUNDS });
  json.table('noop jobs through one worker', 'instrumented', { at: 'worker concurrency' });
  json.row({ table: 'noop jobs through one worker', series: 'instrumented', at: CONCURRENCY, jobsPerSec: inst, cpuUsPerJob: cpuInst, redisCommandsPerJob: cmdInst, hotPathNs: hotPath });
  json.row({ table: 'noop jobs through one worker', series: 'plain', at: CONCURRENCY, jobsPerSec: plain, cpuUsPerJob: cpuPlain, redisCommandsPerJob: cmdPlain });
  const pairOverhead = (1 - median(ratios)) * 100;
  json.check('instrumentation costs < 3% of jobs/s (median per-pair overhead)', pairOverhead < 3, `${pairOverhead.toFixed(2)}%`);
  json.write();
} finally {
  admin.disconnect();
  redis.child?.kill('SIGKILL');
}
// BullMQ's duplicated connections may still try to reconnect to the stopped server.
process.exit(0);
