/**
 * Resident memory of the component binaries that bench/curves/cache.ts and
 * bench/curves/llm.ts do not already load: the render worker, the controller
 * and the app, each started as its `npm run start:*` script starts it. Idle is
 * VmRSS a second after the binary is ready; peak is VmHWM after work:
 *   worker      drains BENCH_RSS_JOBS render jobs (default 2000) at concurrency 8;
 *   controller  dry-runs 20 QueueAutoscalers (spec file, no cluster) over a queue with a backlog for 2-5 s (twice CURVE_SECONDS);
 *   app         serves search-cached hits and uncached searches over a 500-document corpus at 16 connections.
 *
 *   node bench/curves/rss.ts [--json <file>]
 * Env: CURVE_SECONDS (app load per route, default 3), BENCH_RSS_JOBS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { freePort, start, waitForHttp, waitForTcp, rssOf, killAll } from '../lib/procs.ts';
import { fmt } from '../lib/stats.ts';
import { generateCorpus, writeCorpus } from '../app/corpus.ts';
import { loadPaths } from '../app/load.ts';
import { benchJson } from '../report-json.ts';
import { startNpm } from './npm-start.ts';

const SECONDS = Number(process.env.CURVE_SECONDS ?? 3);
const JOBS = Number(process.env.BENCH_RSS_JOBS ?? 2000);
// Long enough for several reconcile passes over the 20 autoscalers (one per second each).
const CONTROLLER_SECONDS = Math.max(2, Math.min(5, SECONDS * 2));
const API_KEY = 'bench-key-0123456789abcdef';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const json = benchJson('rss', { seconds: SECONDS, jobs: JOBS });
  json.table('RSS', 'cache sidecar', { at: 'state' });
  const scratch = mkdtempSync(join(tmpdir(), 'pilotfish-bench-rss-'));
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const redisPort = await freePort();
  start('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1']);
  await waitForTcp(redisPort, 60_000);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const report = (series: string, idleMb: number, peakMb: number, work: string) => {
    json.row({ table: 'RSS', series, idleMb, peakMb, work });
    console.log(`  ${series.padEnd(12)} idle ${fmt(idleMb, 1).padStart(6)} MB  peak ${fmt(peakMb, 1).padStart(6)} MB  (${work})`);
  };

  { // worker
    const adminPort = await freePort();
    const worker = startNpm('worker', { REDIS_URL: redisUrl, RENDER_QUEUE: 'render', WORKER_CONCURRENCY: '8', WORKER_ADMIN_HOST: '127.0.0.1', WORKER_ADMIN_PORT: String(adminPort), LOG_LEVEL: 'warn' });
    await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, 60_000);
    await sleep(1000);
    const idle = rssOf(worker.pid!).nowMb;
    execFileSync(process.execPath, ['cmd/enqueue/main.ts', '--count', String(JOBS), '--rate', String(JOBS * 10)], { env: { ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' }, stdio: 'ignore' });
    const queue = new Queue('render', { connection: { url: redisUrl } });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (c.waiting + c.active + c.delayed + c.prioritized === 0) break;
      if (Date.now() > deadline) throw new Error(`the worker did not drain ${JOBS} render jobs within 120 s: ${JSON.stringify(c)}`);
      await sleep(200);
    }
    await queue.close();
    report('worker', idle, rssOf(worker.pid!).peakMb, `${JOBS} render jobs drained`);
    worker.kill('SIGKILL');
  }

  { // controller
    const name = 'rss-bench';
    const queue = new Queue(name, { connection: { url: redisUrl } });
    await queue.addBulk(Array.from({ length: 500 }, (_, i) => ({ name: 'j', data: { i } })));
    const objects = Array.from({ length: 20 }, (_, i) => [
      'apiVersion: apps/v1', 'kind: Deployment', `metadata: { name: worker-${i}, namespace: apps }`, 'spec: { replicas: 1 }', '---',
      'apiVersion: autoscaling.pilotfish.dev/v1alpha1', 'kind: QueueAutoscaler', `metadata: { name: render-${i}, namespace: apps }`,
      'spec:', `  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: worker-${i} }`,
      `  queue: { name: ${name}, connection: { secretRef: { name: redis, key: url } } }`, '  maxReplicas: 10', '  targets: { backlogPerReplica: 5 }',
    ].join('\n'));
    const file = join(scratch, 'specs.yaml');
    writeFileSync(file, [['apiVersion: v1', 'kind: Secret', 'metadata: { name: redis, namespace: apps }', `stringData: { url: "${redisUrl}" }`].join('\n'), ...objects].join('\n---\n') + '\n');
    const adminPort = await freePort();
    const controller = startNpm('controller', { CONTROLLER_DRY_RUN: 'true', CONTROLLER_SPEC_FILE: file, CONTROLLER_ADMIN_HOST: '127.0.0.1', CONTROLLER_ADMIN_PORT: String(adminPort), LOG_LEVEL: 'warn' });
    await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, 60_000);
    await sleep(1000);
    const idle = rssOf(controller.pid!).nowMb;
    await sleep(CONTROLLER_SECONDS * 1000);
    report('controller', idle, rssOf(controller.pid!).peakMb, `20 QueueAutoscalers dry-run for ${CONTROLLER_SECONDS} s`);
    controller.kill('SIGKILL');
    await queue.obliterate({ force: true });
    await queue.close();
  }

  { // app, with a memory-backed cache sidecar
    const corpus = join(scratch, 'corpus');
    writeCorpus(corpus, generateCorpus(500));
    const sidecarPort = await freePort();
    const sidecarAdmin = await freePort();
    startNpm('cache-sidecar', { CACHE_SIDECAR_PORT: String(sidecarPort), CACHE_SIDECAR_ADMIN_PORT: String(sidecarAdmin), LOG_LEVEL: 'warn' });
    await waitForHttp(`http://127.0.0.1:${sidecarAdmin}/healthz`, 60_000);
    const appPort = await freePort();
    const app = startNpm('app', {
      KNOWLEDGE_DIR: corpus, KNOWLEDGE_WATCH: 'false', APP_HOST: '127.0.0.1', APP_PORT: String(appPort), CACHE_SIDECAR_URL: `http://127.0.0.1:${sidecarPort}`,
      APP_API_KEYS: JSON.stringify({ [API_KEY]: { tenant: 'bench', roles: ['knowledge:read'] } }), APP_RATE_LIMITS: JSON.stringify({ 'knowledge:read': 1_000_000_000 }), LOG_LEVEL: 'warn',
    });
    const origin = `http://127.0.0.1:${appPort}`;
    const deadline = Date.now() + 120_000;
    while ((await fetch(`${origin}/readyz`).then((r) => r.status, () => 0)) !== 200) {
      if (app.exitCode !== null || Date.now() > deadline) throw new Error('the app was not ready within 120 s');
      await sleep(100);
    }
    await sleep(1000);
    const idle = rssOf(app.pid!).nowMb;
    const queries = ['kubernetes autoscaler', 'cache ttl policy', 'redis failover', 'queue backlog'];
    const auth = { authorization: `Bearer ${API_KEY}` };
    await loadPaths(origin, queries.map((q) => `/api/knowledge/search-cached?q=${encodeURIComponent(q)}&ttl=30s`), 16, SECONDS, auth);
    await loadPaths(origin, queries.map((q) => `/api/knowledge/search?q=${encodeURIComponent(q)}`), 16, SECONDS, auth);
    report('app', idle, rssOf(app.pid!).peakMb, `500 documents; search-cached and search at 16 connections, ${SECONDS} s each`);
  }
  json.write();
}

main().then(() => { killAll(); process.exit(0); }, (err) => { console.error(err); killAll(); process.exit(1); });
