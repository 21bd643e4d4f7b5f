/**
 * npm run bench:rss — resident memory of every component binary, each started
 * two ways on the same machine in the same run:
 *   start  as `npm run start:<binary>` starts it (the bundle dist/<binary>.js with its Node flags);
 *   dev    as `npm run dev:<binary>` starts it (cmd/<binary>/main.ts through Node's type stripping).
 * Idle is VmRSS two seconds after the binary answers its health check; start-up
 * peak is VmHWM then. Each binary runs with what it needs and nothing optional
 * (no OTLP endpoint, no Upstash): a private redis-server, the fake Kubernetes
 * API server for the injector, a QueueAutoscaler file for the controller.
 *
 * Then the cache sidecar's heap bounds (issue 17, section 3): the bundle with
 * the Node flags of `start:cache-sidecar` (the young generation's semi-space,
 * the old generation's limit) and without them, alternating rounds of 1 KB GET
 * hits at 32 connections: server CPU per request, req/s and peak RSS of each.
 *
 * Knobs: BENCH_SECONDS (per load run, default 5), BENCH_ROUNDS (default 3),
 * BENCH_RSS_ONLY=idle|young (default both), BENCH_RSS_FLAGS (more flag sets for the young-generation
 * rounds, `;`-separated, e.g. `--max-semi-space-size=4;--max-semi-space-size=8`; NAME=value words
 * among the flags set environment, e.g. `MALLOC_ARENA_MAX=2 --max-semi-space-size=4`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, start, waitForHttp, waitForTcp, rssOf, cpuMicrosOf, killAll } from './lib/procs.ts';
import { runLoad } from './lib/wrk.ts';
import { median, fmt } from './lib/stats.ts';
import { startCommand, startNpm } from './curves/npm-start.ts';
import { buildBinaries } from '../scripts/build.ts';
import { startKubeApi } from '../test/fixtures/kube-api.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_RSS_ONLY;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Setup { env: NodeJS.ProcessEnv; args?: string[]; health: string }

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'pilotfish-bench-rss-'));
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const redisPort = await freePort();
  start('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1']);
  await waitForTcp(redisPort);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  if (ONLY !== 'young') await idleRss(redisUrl, scratch);
  if (ONLY !== 'idle') await youngGeneration(redisUrl);
}

/** What each binary needs to start and become healthy; fresh ports per start. */
async function setups(redisUrl: string, scratch: string, kubeApi: string): Promise<Record<string, () => Promise<Setup>>> {
  const specs = join(scratch, 'specs.yaml');
  writeFileSync(specs, [
    'apiVersion: v1', 'kind: Secret', 'metadata: { name: redis, namespace: apps }', `stringData: { url: "${redisUrl}" }`, '---',
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: worker, namespace: apps }', 'spec: { replicas: 1 }', '---',
    'apiVersion: autoscaling.pilotfish.dev/v1alpha1', 'kind: QueueAutoscaler', 'metadata: { name: render, namespace: apps }',
    'spec:', '  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: worker }',
    '  queue: { name: render, connection: { secretRef: { name: redis, key: url } } }', '  maxReplicas: 10', '  targets: { backlogPerReplica: 5 }', '',
  ].join('\n'));
  const ports = async () => [await freePort(), await freePort()];
  return {
    'cache-sidecar': async () => {
      const [port, admin] = await ports();
      return { env: { CACHE_BACKEND: 'redis', REDIS_URL: redisUrl, CACHE_SIDECAR_PORT: String(port), CACHE_SIDECAR_ADMIN_HOST: '127.0.0.1', CACHE_SIDECAR_ADMIN_PORT: String(admin) }, health: `http://127.0.0.1:${admin}/healthz` };
    },
    'llm-proxy': async () => {
      const [port, admin] = await ports();
      return { env: { LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_HOST: '127.0.0.1', LLM_PROXY_ADMIN_PORT: String(admin) }, health: `http://127.0.0.1:${admin}/healthz` };
    },
    worker: async () => {
      const [admin] = await ports();
      return { env: { REDIS_URL: redisUrl, WORKER_ADMIN_HOST: '127.0.0.1', WORKER_ADMIN_PORT: String(admin) }, health: `http://127.0.0.1:${admin}/healthz` };
    },
    controller: async () => {
      const [admin] = await ports();
      return { env: { CONTROLLER_DRY_RUN: 'true', CONTROLLER_SPEC_FILE: specs, CONTROLLER_ADMIN_HOST: '127.0.0.1', CONTROLLER_ADMIN_PORT: String(admin) }, health: `http://127.0.0.1:${admin}/healthz` };
    },
    injector: async () => {
      const [port, admin] = await ports();
      return {
        env: { INJECTOR_SIDECAR_IMAGE: 'ghcr.io/pilotfish/pilotfish:bench', INJECTOR_KUBE_API: kubeApi, INJECTOR_NAMESPACE: 'pilotfish', INJECTOR_HOST: '127.0.0.1', INJECTOR_PORT: String(port), INJECTOR_ADMIN_HOST: '127.0.0.1', INJECTOR_ADMIN_PORT: String(admin) },
        health: `http://127.0.0.1:${admin}/healthz`,
      };
    },
    app: async () => {
      const [port] = await ports();
      // Indexes docs/ (the default knowledge folder), as a fresh install does.
      return { env: { APP_HOST: '127.0.0.1', APP_PORT: String(port), KNOWLEDGE_WATCH: 'false', APP_API_KEYS: JSON.stringify({ 'bench-key-0123456789abcdef': { tenant: 'bench', roles: ['knowledge:read'] } }) }, health: `http://127.0.0.1:${port}/readyz` };
    },
  };
}

async function measure(child: ChildProcess, health: string): Promise<{ idleMb: number; peakMb: number }> {
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`exited ${code} before answering ${health}`))));
  await Promise.race([waitUntilOk(health), exited]);
  await sleep(2000);
  const { nowMb, peakMb } = rssOf(child.pid!);
  child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  return { idleMb: nowMb, peakMb };
}

async function waitUntilOk(url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while ((await fetch(url).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within 90 s`);
    await sleep(100);
  }
}

async function idleRss(redisUrl: string, scratch: string): Promise<void> {
  const kube = await startKubeApi();
  const table = await setups(redisUrl, scratch, kube.url);
  console.log('RSS of each binary, idle (2 s after its health check answers) and start-up peak, in MB');
  console.log('| binary | start (bundle): idle | start: peak | dev (.ts): idle | dev: peak | idle saved |\n|---|---|---|---|---|---|');
  for (const [binary, setup] of Object.entries(table)) {
    const built = await setup();
    const after = await measure(startNpm(binary, { LOG_LEVEL: 'warn', ...built.env }), built.health);
    const dev = await setup();
    const before = await measure(start(process.execPath, [`cmd/${binary}/main.ts`], { LOG_LEVEL: 'warn', ...dev.env }), dev.health);
    console.log(`| ${binary} | ${fmt(after.idleMb, 1)} | ${fmt(after.peakMb, 1)} | ${fmt(before.idleMb, 1)} | ${fmt(before.peakMb, 1)} | ${fmt(before.idleMb - after.idleMb, 1)} |`);
  }
  await kube.close();
}

async function youngGeneration(redisUrl: string): Promise<void> {
  const { args } = startCommand('cache-sidecar');
  const flags = args.filter((a) => a.startsWith('--'));
  const script = args.filter((a) => !a.startsWith('--'));
  const variants: Record<string, string[]> = { 'start:* flags': args, 'V8 default': script };
  const envOf: Record<string, NodeJS.ProcessEnv> = {};
  for (const set of (process.env.BENCH_RSS_FLAGS ?? '').split(';').map((f) => f.trim()).filter(Boolean)) {
    // NAME=value words are environment (MALLOC_ARENA_MAX=2), the rest Node flags.
    const words = set.split(/\s+/);
    variants[set] = [...words.filter((w) => w.startsWith('--')), ...script];
    envOf[set] = Object.fromEntries(words.filter((w) => !w.startsWith('--')).map((w) => w.split('=', 2)));
  }
  const urls: Record<string, string> = {};
  const pids: Record<string, number> = {};
  await buildBinaries(['cache-sidecar']);
  for (const [name, argv] of Object.entries(variants)) {
    const [port, admin] = [await freePort(), await freePort()];
    // A 1 s op deadline: this measures the hit path, not 503s from an overloaded machine.
    // A 1 h TTL: the rounds must all be hits (the default TTL expires the key mid-run, and misses cost less).
    const child = start(process.execPath, argv, { CACHE_OP_TIMEOUT_MS: '1000', CACHE_TTL_POLICY: '{"default":{"ttl":"1h","min":"1s","max":"1h"}}', CACHE_BACKEND: 'redis', REDIS_URL: redisUrl, CACHE_SIDECAR_PORT: String(port), CACHE_SIDECAR_ADMIN_HOST: '127.0.0.1', CACHE_SIDECAR_ADMIN_PORT: String(admin), LOG_LEVEL: 'warn', ...envOf[name] });
    await waitForHttp(`http://127.0.0.1:${admin}/healthz`, 60_000);
    urls[name] = `http://127.0.0.1:${port}/v1/cache/bench/s/k1k`;
    pids[name] = child.pid!;
    const put = await fetch(urls[name], { method: 'PUT', body: JSON.stringify({ doc: 'x'.repeat(1014) }) });
    if (put.status !== 204) throw new Error(`PUT through the ${name} sidecar answered ${put.status}`);
    await runLoad(urls[name], 32, 2); // warm-up
  }
  const cpu: Record<string, number[]> = {};
  const rps: Record<string, number[]> = {};
  const p99: Record<string, number[]> = {};
  console.log(`\ncache sidecar young generation: 1 KB GET hits at 32 connections, ${SECONDS}s x ${ROUNDS} alternating rounds`);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    for (const name of order) {
      const cpu0 = cpuMicrosOf(pids[name]);
      const r = await runLoad(urls[name], 32, SECONDS);
      const perReq = (cpuMicrosOf(pids[name]) - cpu0) / (r.rps * SECONDS);
      if (r.non2xx > 0) throw new Error(`${name}: ${r.non2xx} answers were not 2xx; this bench measures hits`);
      (cpu[name] ??= []).push(perReq);
      (rps[name] ??= []).push(r.rps);
      (p99[name] ??= []).push(r.p99us);
      console.log(`  ${name.padEnd(16)} ${fmt(r.rps).padStart(7)} req/s  p99 ${fmt(r.p99us).padStart(6)} us  server CPU ${fmt(perReq, 1).padStart(5)} us/req  errors ${r.errors} non2xx ${r.non2xx}`);
    }
  }
  console.log('| Node flags | req/s | p99 (us) | server CPU per request (us) | peak RSS (MB) |\n|---|---|---|---|---|');
  for (const name of Object.keys(variants)) console.log(`| ${name} | ${fmt(median(rps[name]))} | ${fmt(median(p99[name]))} | ${fmt(median(cpu[name]), 1)} | ${fmt(rssOf(pids[name]).peakMb, 1)} |`);
  const ratio = median(cpu['start:* flags']) / median(cpu['V8 default']);
  console.log(`CPU per request with ${flags.join(' ')}: ${fmt(ratio, 2)}x V8's defaults'`);
  for (const name of Object.keys(variants).slice(2)) console.log(`CPU per request with ${name}: ${fmt(median(cpu[name]) / median(cpu['V8 default']), 2)}x V8's defaults'`);
}

main().then(() => { killAll(); process.exit(0); }, (err) => { console.error(err); killAll(); process.exit(1); });
