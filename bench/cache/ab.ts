/**
 * Same-run A/B of cache sidecar bundles against the lean path, the way the
 * journal's A/Bs are made: each bundle started with the flags of
 * `npm run start:cache-sidecar`, one Redis of its own, 1 KB GET hits, wrk -t1
 * at 32 connections, rounds alternating (order rotated each round), and per
 * round each variant's req/s over the lean path's and its CPU per request
 * (process and main thread). Medians of the per-round figures are printed.
 *
 * Usage: node bench/cache/ab.ts <name>=<bundle.js>[,ENV=value...] ...
 *   e.g. node bench/cache/ab.ts old=dist/sc-old.js new=dist/cache-sidecar.js nottl=dist/cache-sidecar.js,CACHE_TTL_HEADER=off
 * AB_ROUNDS (default 6), AB_SECONDS (default 3), AB_CONNECTIONS (default 32);
 * AB_PIN=1 puts the servers on CPU 1 and wrk and Redis on CPU 0, taking the
 * scheduler's placement out of the comparison. AB_TOGETHER=1 loads every
 * server at once, one wrk each, so a slow spell of a shared host hits all of
 * them alike (the per-round figures then compare the same seconds).
 * AB_CONST=1 adds node:http answering the 1 KB constant (the near cache's reference).
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { cpuMicrosOf, freePort, start, waitForHttp, waitForTcp, killAll } from '../lib/procs.ts';
import { median, fmt } from '../lib/stats.ts';
import { runWrk } from '../lib/wrk.ts';
import { startCommand } from '../curves/npm-start.ts';

const ROUNDS = Number(process.env.AB_ROUNDS ?? 6);
const SECONDS = Number(process.env.AB_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.AB_CONNECTIONS ?? 32);
const PIN = process.env.AB_PIN === '1';
const TOGETHER = process.env.AB_TOGETHER === '1';
/** The command line, on CPU `cpu` when pinning. */
const on = (cpu: number, cmd: string, args: string[]): [string, string[]] => (PIN ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args]);
const value1k = JSON.stringify({ doc: 'x'.repeat(1014) });

/** Main-thread CPU (the thread whose id is the pid) in microseconds. */
function mainThreadMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Kernel CPU (stime) a process has used so far, in microseconds. */
function systemMicrosOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[12]) * 10_000;
}

/** Read and write system calls so far (/proc/<pid>/io): per request, they show how many requests share a write. */
function syscallsOf(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/^syscr: (\d+)/m.exec(io)?.[1]) + Number(/^syscw: (\d+)/m.exec(io)?.[1]);
}

interface Variant { name: string; pid: number; url: string }

async function main() {
  const specs = process.argv.slice(2);
  if (specs.length === 0) throw new Error('usage: node bench/cache/ab.ts <name>=<bundle.js>[,ENV=value...] ...');
  const redisPort = await freePort();
  start(...on(0, 'redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1']));
  await waitForTcp(redisPort);
  const redis = new Redis({ port: redisPort, protocol: 2 });
  await redis.set('bench:webdis:1k', value1k);
  await redis.set('pilotfish:{bench}:s:k1k', value1k, 'PX', 3_600_000);
  const flags = startCommand('cache-sidecar').args.filter((a) => a.startsWith('--'));
  const variants: Variant[] = [];
  for (const spec of specs) {
    const [name, rest] = spec.split('=', 2) as [string, string];
    const [bundle, ...envs] = (spec.slice(name.length + 1) || rest).split(',');
    const port = await freePort();
    const adminPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      CACHE_BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${redisPort}`, CACHE_SIDECAR_PORT: String(port), CACHE_SIDECAR_ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'warn', CACHE_TTL_POLICY: '{"default":{"ttl":"1h","min":"1s","max":"1h"}}',
    };
    for (const e of envs) { const i = e.indexOf('='); env[e.slice(0, i)] = e.slice(i + 1); }
    const proc = start(...on(1, process.execPath, [...flags, bundle]), env);
    await waitForHttp(`http://127.0.0.1:${adminPort}/healthz`, 60_000);
    variants.push({ name, pid: proc.pid!, url: `http://127.0.0.1:${port}/v1/cache/bench/s/k1k` });
  }
  if (process.env.AB_CONST === '1') {
    // node:http answering the same 1 KB constant: the near cache's reference.
    const constPort = await freePort();
    const constant = start(...on(1, process.execPath, ['bench/cache/baseline-server.ts', 'const', String(constPort), String(redisPort), '']));
    await waitForTcp(constPort);
    variants.push({ name: 'const', pid: constant.pid!, url: `http://127.0.0.1:${constPort}/` });
  }
  const leanPort = await freePort();
  const lean = start(...on(1, process.execPath, ['bench/cache/baseline-server.ts', 'lean', String(leanPort), String(redisPort), 'bench:webdis:1k']));
  await waitForTcp(leanPort);
  variants.push({ name: 'lean', pid: lean.pid!, url: `http://127.0.0.1:${leanPort}/` });
  for (const v of variants) await runWrk(v.url, CONNECTIONS, 1); // warm up
  const ratio = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const mainCpu = new Map<string, number[]>();
  const syscalls = new Map<string, number[]>();
  const kernel = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, x: number) => m.set(k, [...(m.get(k) ?? []), x]);
  for (let r = 0; r < ROUNDS; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    const rps = new Map<string, number>();
    const measure = async (v: Variant) => {
      const c0 = cpuMicrosOf(v.pid), m0 = mainThreadMicros(v.pid), s0 = syscallsOf(v.pid), k0 = systemMicrosOf(v.pid);
      const res = await runWrk(v.url, CONNECTIONS, SECONDS, {}, PIN ? 0 : undefined);
      const c1 = cpuMicrosOf(v.pid), m1 = mainThreadMicros(v.pid), s1 = syscallsOf(v.pid), k1 = systemMicrosOf(v.pid);
      if (res.non2xx > 0 || res.errors > 0) throw new Error(`${v.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
      const requests = res.rps * SECONDS;
      rps.set(v.name, res.rps);
      push(cpu, v.name, (c1 - c0) / requests);
      push(mainCpu, v.name, (m1 - m0) / requests);
      push(syscalls, v.name, (s1 - s0) / requests);
      push(kernel, v.name, (k1 - k0) / requests);
    };
    if (TOGETHER) await Promise.all(variants.map(measure));
    else for (const v of order) await measure(v);
    for (const v of variants) push(ratio, v.name, rps.get(v.name)! / rps.get('lean')!);
    console.log(`round ${r + 1}: ${variants.map((v) => `${v.name} ${fmt(rps.get(v.name)!)} req/s`).join(', ')}`);
  }
  console.log(`\n${ROUNDS} rounds of ${SECONDS} s at ${CONNECTIONS} connections; medians of per-round figures`);
  const first = variants[0].name;
  const perRound = (m: Map<string, number[]>, name: string) => m.get(name)!.map((x, i) => x / m.get(first)![i]);
  for (const v of variants) {
    if (v.name !== first) console.log(`${v.name.padEnd(10)} per round against ${first}: req/s ${fmt(median(perRound(ratio, v.name)), 3)}x, CPU per request ${fmt(median(perRound(cpu, v.name)), 3)}x, main thread ${fmt(median(perRound(mainCpu, v.name)), 3)}x`);
  }
  for (const v of variants) {
    console.log(`${v.name.padEnd(10)} ${fmt(median(ratio.get(v.name)!), 3)}x lean req/s   CPU ${fmt(median(cpu.get(v.name)!), 1)} us/req (kernel ${fmt(median(kernel.get(v.name)!), 1)})   main thread ${fmt(median(mainCpu.get(v.name)!), 1)} us/req   syscalls ${fmt(median(syscalls.get(v.name)!), 2)}/req   (ratios ${ratio.get(v.name)!.map((x) => fmt(x, 3)).join(' ')})`);
  }
  redis.disconnect();
  killAll();
}

main().catch((err) => { console.error(err); killAll(); process.exit(1); });
