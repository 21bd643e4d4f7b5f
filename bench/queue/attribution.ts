// Where bench:queue's instrumentation cost goes, piece by piece, as worker CPU per job
// (process.cpuUsage; far less sensitive to other load on the machine than jobs/s):
//   npx node bench/queue/attribution.ts [rounds=5]      (VARIANTS=plain,full to pick some)
// Variants, interleaved round by round in one process, 20,000 noop jobs at concurrency 50:
//   plain | wrap (a pass-through .then around the processor call) | wrapsync (no extra promise)
//   | listeners (completed/failed/stalled)
//   | full (instrumentWorker) | full+heartbeat (with the capacity heartbeat, as the worker runs it)
//   | processor (a pass-through .then around the processor function: the public-API counterpart of wrap)
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Metrics } from '#pkg/metrics/index.ts';
import { instrumentWorker } from '#pkg/queue/index.ts';

const ROUNDS = Number(process.argv[2] ?? 5);
const JOBS = 20_000;
const VARIANTS = (process.env.VARIANTS?.split(',') ?? ['plain', 'wrap', 'listeners', 'full', 'full+heartbeat']) as Array<'plain' | 'wrap' | 'wrapsync' | 'processor' | 'listeners' | 'full' | 'full+heartbeat'>;
type Variant = (typeof VARIANTS)[number];

const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
});
const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
const probe = new Redis(url, { retryStrategy: () => 25, maxRetriesPerRequest: null });
probe.on('error', () => undefined);
await probe.ping();
probe.disconnect();

async function once(variant: Variant, round: number): Promise<number> {
  const name = `attr-${round}-${variant}`;
  const qc = new Redis(url, { maxRetriesPerRequest: null, protocol: 2 });
  const wc = new Redis(url, { maxRetriesPerRequest: null, protocol: 2 });
  const hb = new Redis(url, { protocol: 2 });
  const queue = new Queue(name, { connection: qc });
  for (let s = 0; s < JOBS; s += 1000) await queue.addBulk(Array.from({ length: 1000 }, () => ({ name: 'noop', data: {}, opts: { removeOnComplete: true } })));
  const noop = async () => undefined;
  const processor = variant === 'processor' ? (...a: Parameters<typeof noop>) => Promise.resolve(noop(...a)).then((r) => r) : noop;
  const worker = new Worker(name, processor, { connection: wc, concurrency: 50, autorun: false });
  const metrics = new Metrics({ defaultMetrics: false });
  if (variant === 'wrap') {
    const w = worker as unknown as { callProcessJob: (...a: unknown[]) => Promise<unknown> };
    const original = w.callProcessJob;
    w.callProcessJob = (...a: unknown[]) => Promise.resolve(original.apply(worker, a)).then((r) => r);
  }
  if (variant === 'wrapsync') {
    const w = worker as unknown as { callProcessJob: (...a: unknown[]) => Promise<unknown> };
    const original = w.callProcessJob;
    w.callProcessJob = (...a: unknown[]) => original.apply(worker, a);
  }
  if (variant === 'listeners') for (const e of ['completed', 'failed', 'stalled'] as const) worker.on(e, () => undefined);
  const inst = variant === 'full' ? instrumentWorker(worker, { metrics }) : variant === 'full+heartbeat' ? instrumentWorker(worker, { metrics, heartbeatRedis: hb }) : undefined;
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => { finish = r; });
  worker.on('completed', () => { if (++done === JOBS) finish(); });
  await worker.waitUntilReady();
  const cpu0 = process.cpuUsage();
  void worker.run();
  await finished;
  const cpu = process.cpuUsage(cpu0);
  await inst?.stop();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  for (const c of [qc, wc, hb]) c.disconnect();
  return (cpu.user + cpu.system) / JOBS;
}

const results = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  for (const v of order) results.get(v)!.push(await once(v, r));
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(results.get('plain')!);
console.log(`worker CPU per job, median of ${ROUNDS} interleaved rounds (${JOBS} noop jobs, concurrency 50):`);
for (const v of VARIANTS) {
  const m = median(results.get(v)!);
  console.log(`  ${v.padEnd(15)} ${m.toFixed(1).padStart(5)} µs  ${v === 'plain' ? '' : `${m - base >= 0 ? '+' : ''}${(((m - base) / base) * 100).toFixed(1)}%`}   runs: ${results.get(v)!.map((x) => x.toFixed(1)).join(' ')}`);
}
child.kill('SIGKILL');
process.exit(0);
