/**
 * npm run bench:app — the app's knowledge search through the cache sidecar
 * (`/api/knowledge/search-cached`, hits) vs uncached (`/api/knowledge/search`)
 * on a generated corpus of 2,000 Markdown documents, same run, alternating
 * rounds, medians: req/s, p50, p99 and server CPU per request at 16
 * connections; then, at one connection, a search-cached hit vs a direct GET of
 * the same entry from the sidecar, interleaved request by request.
 *
 * Processes are started as their npm scripts start them: `node cmd/cache-sidecar/main.ts`
 * (memory backend, or redis when REDIS_URL is set) and `node cmd/app/main.ts`.
 * Load from wrk (one thread) or autocannon when wrk is missing.
 *
 * Knobs: BENCH_SECONDS (per run, default 8, at most 25 so warmed entries outlive a round),
 * BENCH_ROUNDS (default 3), BENCH_DOCS (default 2000), BENCH_SAMPLES (one-connection
 * requests per target per round, default 2000), APP_NODE_FLAGS, BENCH_APP_MAIN (the app's entry,
 * default cmd/app/main.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { normalizeQuery, searchCacheKey } from '#pkg/knowledge/index.ts';
import { freePort, start, waitForHttp, cpuMicrosOf, rssOf, killAll } from './lib/procs.ts';
import { hasWrk, type LoadResult } from './lib/wrk.ts';
import { median, fmt } from './lib/stats.ts';
import { generateCorpus, writeCorpus } from './app/corpus.ts';
import { loadPaths, interleavedSamples, type Sample } from './app/load.ts';
import { benchJson } from './report-json.ts';

const SECONDS = Math.min(25, Number(process.env.BENCH_SECONDS ?? 8));
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const DOCS = Number(process.env.BENCH_DOCS ?? 2000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2000);
const CONNECTIONS = 16;
const TENANT = 'bench';
const API_KEY = 'bench-key-0123456789abcdef';
const LIMIT = 10;
// The sidecar clamps knowledge.search into 5–30 s: ask for the most, and re-warm before every cached round.
const TTL = '30s';
const QUERIES = ['kubernetes autoscaler', 'cache ttl policy', 'redis failover', 'queue backlog', 'circuit breaker fallback', 'helm chart', 'latency percentile', 'tenant quota'];
const auth = { authorization: `Bearer ${API_KEY}` };

const cachedPath = (q: string) => `/api/knowledge/search-cached?q=${encodeURIComponent(q)}&ttl=${TTL}`;
const uncachedPath = (q: string) => `/api/knowledge/search?q=${encodeURIComponent(q)}`;
const sidecarPath = (q: string) => `/v1/cache/${TENANT}/knowledge.search/${encodeURIComponent(searchCacheKey(normalizeQuery(q), LIMIT))}`;

async function main() {
  const corpus = mkdtempSync(join(tmpdir(), 'pilotfish-bench-corpus-'));
  process.on('exit', () => rmSync(corpus, { recursive: true, force: true }));
  writeCorpus(corpus, generateCorpus(DOCS));

  const sidecarPort = await freePort();
  const sidecarAdminPort = await freePort();
  const sidecar = start(process.execPath, ['cmd/cache-sidecar/main.ts'], {
    CACHE_SIDECAR_PORT: String(sidecarPort), CACHE_SIDECAR_ADMIN_PORT: String(sidecarAdminPort), LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${sidecarAdminPort}/healthz`, 60_000); // a loaded shared machine can take 20 s to start a binary
  const sidecarOrigin = `http://127.0.0.1:${sidecarPort}`;

  const appPort = await freePort();
  const app = start(process.execPath, [...(process.env.APP_NODE_FLAGS ?? '').split(' ').filter(Boolean), process.env.BENCH_APP_MAIN ?? 'cmd/app/main.ts'], {
    KNOWLEDGE_DIR: corpus, APP_HOST: '127.0.0.1', APP_PORT: String(appPort), CACHE_SIDECAR_URL: sidecarOrigin,
    APP_API_KEYS: JSON.stringify({ [API_KEY]: { tenant: TENANT, roles: ['knowledge:read'] } }),
    APP_RATE_LIMITS: JSON.stringify({ 'knowledge:read': 1_000_000_000 }), LOG_LEVEL: 'warn',
  });
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const readyMs = await waitReady(app, `${appOrigin}/readyz`, 180_000);
  console.log(`app ready in ${fmt(readyMs)} ms over ${DOCS} documents; sidecar backend ${process.env.REDIS_URL ? 'redis' : 'memory'}`);

  await checkRoutes(appOrigin, sidecarOrigin);
  console.log(`load: ${hasWrk() ? 'wrk -t1' : 'autocannon (in-process; p50/p99 at 1 ms resolution)'}, ${SECONDS}s per run, ${ROUNDS} alternating rounds, ${QUERIES.length} queries, limit ${LIMIT}`);

  const pids = { app: app.pid!, sidecar: sidecar.pid! };
  const results: Record<string, LoadResult[]> = {};
  const cpu: Record<string, { app: number[]; sidecar: number[] }> = {};
  const hitChecks: number[] = [];
  const routes = {
    cached: QUERIES.map(cachedPath),
    uncached: QUERIES.map(uncachedPath),
  };
  const measure = async (name: keyof typeof routes) => {
    const before = { app: cpuMicrosOf(pids.app), sidecar: cpuMicrosOf(pids.sidecar) };
    const r = await loadPaths(appOrigin, routes[name], CONNECTIONS, SECONDS, auth);
    const requests = r.rps * SECONDS;
    const perRequest = (who: 'app' | 'sidecar') => (requests > 0 ? (cpuMicrosOf(pids[who]) - before[who]) / requests : Number.NaN);
    const c = (cpu[name] ??= { app: [], sidecar: [] });
    c.app.push(perRequest('app'));
    c.sidecar.push(perRequest('sidecar'));
    (results[name] ??= []).push(r);
    console.log(`  ${name.padEnd(9)} ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.p50us).padStart(6)} us  p99 ${fmt(r.p99us).padStart(7)} us  CPU/req app ${fmt(c.app.at(-1)!, 1)} us, sidecar ${fmt(c.sidecar.at(-1)!, 1)} us  errors ${r.errors} non2xx ${r.non2xx}`);
  };

  // JIT and connection pools first.
  await warm(appOrigin);
  await loadPaths(appOrigin, routes.cached, CONNECTIONS, 2, auth);
  await loadPaths(appOrigin, routes.uncached, CONNECTIONS, 2, auth);

  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? (['cached', 'uncached'] as const) : (['uncached', 'cached'] as const)) {
      if (name === 'cached') await warm(appOrigin);
      await measure(name);
      if (name === 'cached') hitChecks.push(await countHits(appOrigin));
    }
  }

  console.log(`one connection: a search-cached hit vs a direct sidecar GET of the same entry, ${SAMPLES} interleaved requests each per round`);
  const oneConn: { app: Sample[]; sidecar: Sample[] } = { app: [], sidecar: [] };
  for (let round = 0; round < ROUNDS; round++) {
    await warm(appOrigin);
    const [a, s] = await interleavedSamples(
      { origin: appOrigin, path: (i) => cachedPath(QUERIES[i % QUERIES.length]), headers: auth },
      { origin: sidecarOrigin, path: (i) => sidecarPath(QUERIES[i % QUERIES.length]) },
      SAMPLES,
    );
    oneConn.app.push(a);
    oneConn.sidecar.push(s);
    console.log(`  app hit p50 ${fmt(a.p50us)} us p99 ${fmt(a.p99us)} us (not hits ${a.notHits}) | sidecar GET p50 ${fmt(s.p50us)} us p99 ${fmt(s.p99us)} us (not hits ${s.notHits})`);
  }

  const med = (name: string, f: (r: LoadResult) => number) => median((results[name] ?? []).map(f));
  const summary = {
    cached: { rps: med('cached', (r) => r.rps), p50us: med('cached', (r) => r.p50us), p99us: med('cached', (r) => r.p99us), appCpuUs: median(cpu.cached.app), sidecarCpuUs: median(cpu.cached.sidecar) },
    uncached: { rps: med('uncached', (r) => r.rps), p50us: med('uncached', (r) => r.p50us), p99us: med('uncached', (r) => r.p99us), appCpuUs: median(cpu.uncached.app), sidecarCpuUs: median(cpu.uncached.sidecar) },
    oneConnection: {
      appHitP50us: median(oneConn.app.map((s) => s.p50us)), sidecarGetP50us: median(oneConn.sidecar.map((s) => s.p50us)),
      appHitP99us: median(oneConn.app.map((s) => s.p99us)), sidecarGetP99us: median(oneConn.sidecar.map((s) => s.p99us)),
    },
  };
  const ratio = summary.cached.rps / summary.uncached.rps;
  const addedP50us = summary.oneConnection.appHitP50us - summary.oneConnection.sidecarGetP50us;
  const errors = Object.values(results).flat().reduce((a, r) => a + r.errors + r.non2xx, 0);
  const notHits = [...oneConn.app, ...oneConn.sidecar].reduce((a, s) => a + s.notHits, 0) + hitChecks.reduce((a, n) => a + (QUERIES.length - n), 0);
  const rss = rssOf(pids.app);

  console.log('\nmedians');
  console.log('| route | connections | req/s | p50 (us) | p99 (us) | app CPU per request (us) | sidecar CPU per request (us) |\n|---|---|---|---|---|---|---|');
  for (const name of ['cached', 'uncached'] as const) {
    const s = summary[name];
    console.log(`| ${name === 'cached' ? 'search-cached (hits)' : 'search (uncached)'} | ${CONNECTIONS} | ${fmt(s.rps)} | ${fmt(s.p50us)} | ${fmt(s.p99us)} | ${fmt(s.appCpuUs, 1)} | ${fmt(s.sidecarCpuUs, 1)} |`);
  }
  const o = summary.oneConnection;
  console.log(`| search-cached hit | 1 | | ${fmt(o.appHitP50us)} | ${fmt(o.appHitP99us)} | | |`);
  console.log(`| sidecar GET, same entry | 1 | | ${fmt(o.sidecarGetP50us)} | ${fmt(o.sidecarGetP99us)} | | |`);
  console.log(`app peak RSS ${fmt(rss.peakMb, 1)} MB`);

  const json = benchJson('app', { seconds: SECONDS, rounds: ROUNDS, docs: DOCS, samples: SAMPLES, backend: process.env.REDIS_URL ? 'redis' : 'memory' });
  json.table('knowledge search', 'search-cached (hits)', { at: 'connections' });
  for (const name of ['cached', 'uncached'] as const) {
    const s = summary[name];
    json.row({ table: 'knowledge search', series: name === 'cached' ? 'search-cached (hits)' : 'search (uncached)', at: CONNECTIONS, rps: s.rps, p50us: s.p50us, p99us: s.p99us, cpuUsPerReq: s.appCpuUs, sidecarCpuUsPerReq: s.sidecarCpuUs });
  }
  json.row({ table: 'knowledge search', series: 'search-cached (hits)', at: 1, p50us: o.appHitP50us, p99us: o.appHitP99us });
  json.row({ table: 'knowledge search', series: 'sidecar GET, same entry', at: 1, p50us: o.sidecarGetP50us, p99us: o.sidecarGetP99us });
  json.row({ table: 'RSS', series: 'app', peakMb: rss.peakMb });
  console.log('\ntargets');
  const check = (label: string, ok: boolean, detail: string) => { console.log(`  ${ok ? 'PASS' : 'FAIL'} ${label}: ${detail}`); json.check(label, ok, detail); };
  check(`${CONNECTIONS} connections: hits serve >= 5x the uncached req/s`, ratio >= 5, `${fmt(ratio, 1)}x`);
  check('1 connection: a hit adds < 1 ms p50 over a direct sidecar GET', addedP50us < 1000, `${fmt(addedP50us)} us`);
  check('no errors or non-2xx answers', errors === 0, String(errors));
  check('every cached answer measured was a hit', notHits === 0, `${notHits} not hits`);
  json.write();

  const file = join('bench', 'results', `app-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify({
    settings: { seconds: SECONDS, rounds: ROUNDS, docs: DOCS, samples: SAMPLES, connections: CONNECTIONS, queries: QUERIES, limit: LIMIT, tool: hasWrk() ? 'wrk' : 'autocannon', backend: process.env.REDIS_URL ? 'redis' : 'memory', readyMs },
    summary: { ...summary, ratio, addedP50us, errors, notHits, appPeakRssMb: rss.peakMb },
    raw: { results, cpu, hitChecks, oneConnection: oneConn },
  }, null, 2)}\n`);
  console.log(`\nraw figures: ${file}`);
}

/** Polls until `url` answers 200; fails at once if the process exits first. */
async function waitReady(child: ChildProcess, url: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code} before it was ready`));
  while (performance.now() - started < timeoutMs) {
    if (exited) throw new Error(`app ${exited}`);
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

/** Every route answers, the cached one turns a miss into a hit with the uncached body, and the sidecar holds the entry under the key we compute. */
async function checkRoutes(appOrigin: string, sidecarOrigin: string): Promise<void> {
  for (const q of QUERIES) {
    const uncached = await fetch(appOrigin + uncachedPath(q), { headers: auth });
    const body = await uncached.text();
    if (uncached.status !== 200) throw new Error(`GET ${uncachedPath(q)} answered ${uncached.status}: ${body.slice(0, 300)}`);
    if ((JSON.parse(body) as { total: number }).total === 0) throw new Error(`the corpus has no match for ${JSON.stringify(q)}`);
    const cached = await warmOne(appOrigin, q);
    const cachedBody = cached.body;
    if (cached.status !== 200 || cached.xCache !== 'hit') {
      throw new Error(`GET ${cachedPath(q)} answered ${cached.status} X-Cache ${cached.xCache} after warming: ${cachedBody.slice(0, 300)}`);
    }
    if (cachedBody !== body) console.warn(`note: the cached body of ${JSON.stringify(q)} differs from the uncached one`);
    const direct = await fetch(sidecarOrigin + sidecarPath(q));
    await direct.text();
    if (direct.status !== 200 || direct.headers.get('x-cache') !== 'hit') {
      throw new Error(`sidecar GET ${sidecarPath(q)} answered ${direct.status} X-Cache ${direct.headers.get('x-cache')}: the app does not store under searchCacheKey(normalizeQuery(q), ${LIMIT}) for tenant ${TENANT}`);
    }
  }
}

/** Makes every query's entry fresh for the next TTL: a miss stores it, then poll until it reads back as a hit. */
async function warm(appOrigin: string): Promise<void> {
  for (const q of QUERIES) {
    const r = await warmOne(appOrigin, q);
    if (r.xCache !== 'hit') throw new Error(`search-cached for ${JSON.stringify(q)} is not a hit after warming (status ${r.status}, X-Cache ${r.xCache})`);
  }
}

async function warmOne(appOrigin: string, q: string): Promise<{ status: number; xCache: string | null; body: string }> {
  let last = { status: 0, xCache: null as string | null, body: '' };
  // The app may store a miss's answer after replying: give the write a moment to land.
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = await fetch(appOrigin + cachedPath(q), { headers: auth });
    last = { status: r.status, xCache: r.headers.get('x-cache'), body: await r.text() };
    if (last.status !== 200 || last.xCache === 'hit') return last;
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return last;
}

/** How many queries answer X-Cache: hit right now (after a round: entries outlived it). */
async function countHits(appOrigin: string): Promise<number> {
  let hits = 0;
  for (const q of QUERIES) {
    const r = await fetch(appOrigin + cachedPath(q), { headers: auth });
    await r.text();
    if (r.headers.get('x-cache') === 'hit') hits++;
  }
  return hits;
}

main().then(() => { killAll(); process.exit(0); }, (err) => { console.error(err); killAll(); process.exit(1); });
