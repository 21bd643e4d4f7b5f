/**
 * Scaling curves of the cache sidecar: GET hits at 1, 4, 16, 64 and 256
 * connections (1 KB value), and over value sizes 100 B to 1 MiB (16
 * connections), each point measured on the sidecar (started as
 * `npm run start:cache-sidecar` starts it, redis backend), webdis and the lean
 * node:http + ioredis path in alternating order, medians of the rounds; req/s,
 * p50, p99 and server CPU per request. RSS of the sidecar idle (before any
 * load) and at peak (after all of it).
 *
 *   node bench/curves/cache.ts [--json <file>]
 * Env: CURVE_SECONDS (per point, default 3), CURVE_ROUNDS (default 1).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, start, waitForHttp, waitForTcp, rssOf, cpuMicrosOf, killAll } from '../lib/procs.ts';
import { runLoad, hasWrk, type LoadResult } from '../lib/wrk.ts';
import { median, fmt } from '../lib/stats.ts';
import { curvePoints } from './points.ts';
import { benchJson } from '../report-json.ts';
import { startNpm } from './npm-start.ts';

const SECONDS = Number(process.env.CURVE_SECONDS ?? 3);
const ROUNDS = Number(process.env.CURVE_ROUNDS ?? 1);
export const CONNECTIONS = curvePoints([1, 4, 16, 64, 256]);
export const VALUE_SIZES = curvePoints([100, 1024, 10 * 1024, 100 * 1024, 1024 * 1024]);
const SIZE_CONNECTIONS = 16;
const BY_CONNECTIONS = 'cache GET hit by connections (1 KB value)';
const BY_SIZE = `cache GET hit by value size (${SIZE_CONNECTIONS} connections)`;

interface Target { series: string; url: string; pid: number }

/** A JSON document of exactly `size` bytes (the sidecar stores JSON values). */
const jsonValue = (size: number) => `{"d":"${'x'.repeat(size - 8)}"}`;

async function main(): Promise<void> {
  const json = benchJson('cache-curves', { seconds: SECONDS, rounds: ROUNDS, tool: hasWrk() ? 'wrk' : 'autocannon', connections: CONNECTIONS, valueSizes: VALUE_SIZES });
  json.table(BY_CONNECTIONS, 'sidecar', { at: 'connections', curve: true, log: true });
  json.table(BY_SIZE, 'sidecar', { at: 'value size (bytes)', curve: true, log: true });

  const redisPort = await freePort();
  start('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1']);
  await waitForTcp(redisPort, 60_000);
  const redis = new Redis({ port: redisPort, protocol: 2 });
  for (const size of VALUE_SIZES) await redis.set(`curve:${size}`, jsonValue(size));

  const dataPort = await freePort();
  const adminPort = await freePort();
  const sidecar = startNpm('cache-sidecar', {
    CACHE_BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${redisPort}`, CACHE_SIDECAR_PORT: String(dataPort),
    CACHE_SIDECAR_ADMIN_PORT: String(adminPort), LOG_LEVEL: 'warn', CACHE_TTL_POLICY: '{"default":{"ttl":"1h","min":"1s","max":"1h"}}',
  });
  await waitForHttp(`http://127.0.0.1:${adminPort}/healthz`, 60_000);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssOf(sidecar.pid!);
  const sidecarUrl = (size: number) => `http://127.0.0.1:${dataPort}/v1/cache/bench/curve/v${size}`;
  // A loaded machine can push a 1 MiB write past the sidecar's operation deadline (503): try a few times, then leave that size out.
  const sizes: number[] = [];
  for (const size of VALUE_SIZES) {
    let status = 0;
    for (let attempt = 0; attempt < 5 && status !== 204; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 500));
      status = (await fetch(sidecarUrl(size), { method: 'PUT', body: jsonValue(size) })).status;
    }
    if (status === 204) sizes.push(size);
    else json.note(`PUT of a ${size}-byte value through the sidecar answered ${status} five times: that size is left out of the curve`);
  }

  let webdis: { port: number; pid: number } | undefined;
  if (spawnSync('which', ['webdis']).status === 0) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'webdis-'));
    const conf = join(dir, 'webdis.json');
    writeFileSync(conf, JSON.stringify({ redis_host: '127.0.0.1', redis_port: redisPort, http_host: '127.0.0.1', http_port: port, daemonize: false, database: 0, verbosity: 0, logfile: join(dir, 'webdis.log') }));
    const child = start('webdis', [conf]);
    await waitForTcp(port, 60_000);
    webdis = { port, pid: child.pid! };
  } else {
    json.note('webdis not installed (apt-get install webdis): its curves are missing');
  }

  /** The lean path serves one key per process: one is started for each value size. */
  const lean = async (size: number): Promise<{ child: ChildProcess; target: Target }> => {
    const port = await freePort();
    const child = start(process.execPath, ['bench/cache/baseline-server.ts', 'lean', String(port), String(redisPort), `curve:${size}`]);
    await waitForTcp(port, 60_000);
    return { child, target: { series: 'node-lean', url: `http://127.0.0.1:${port}/`, pid: child.pid! } };
  };
  const targetsFor = (size: number, leanTarget: Target): Target[] => [
    { series: 'sidecar', url: sidecarUrl(size), pid: sidecar.pid! },
    ...(webdis ? [{ series: 'webdis', url: `http://127.0.0.1:${webdis.port}/GET/curve:${size}`, pid: webdis.pid }] : []),
    leanTarget,
  ];

  let flip = false;
  /** One load point: every target, alternating order from point to point and round to round. */
  const point = async (table: string, at: number, targets: Target[], connections: number) => {
    const runs: Record<string, { r: LoadResult; cpu: number }[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      flip = !flip;
      for (const t of flip ? targets : [...targets].reverse()) {
        const cpu0 = cpuMicrosOf(t.pid);
        const r = await runLoad(t.url, connections, SECONDS);
        const requests = r.rps * SECONDS;
        (runs[t.series] ??= []).push({ r, cpu: requests > 0 ? (cpuMicrosOf(t.pid) - cpu0) / requests : Number.NaN });
      }
    }
    for (const [series, rs] of Object.entries(runs)) {
      const row = { rps: median(rs.map((x) => x.r.rps)), p50us: median(rs.map((x) => x.r.p50us)), p99us: median(rs.map((x) => x.r.p99us)), cpuUsPerReq: median(rs.map((x) => x.cpu)), errors: rs.reduce((a, x) => a + x.r.errors + x.r.non2xx, 0) };
      json.row({ table, series, at, ...row });
      console.log(`  ${table.slice(0, 30).padEnd(30)} ${String(at).padStart(8)} ${series.padEnd(10)} ${fmt(row.rps).padStart(7)} req/s  p50 ${fmt(row.p50us).padStart(7)} us  p99 ${fmt(row.p99us).padStart(8)} us  CPU ${fmt(row.cpuUsPerReq, 1).padStart(6)} us/req  errors ${row.errors}`);
    }
  };

  console.log(`cache curves: ${hasWrk() ? 'wrk -t1' : 'autocannon'}, ${SECONDS}s per point and target, ${ROUNDS} round(s)`);
  const lean1k = await lean(1024);
  const targets1k = targetsFor(1024, lean1k.target);
  for (const t of targets1k) await runLoad(t.url, 16, 1); // warm-up: JIT, pools
  for (const c of CONNECTIONS) await point(BY_CONNECTIONS, c, targets1k, c);
  lean1k.child.kill('SIGKILL');
  for (const size of sizes) {
    const l = await lean(size);
    await point(BY_SIZE, size, targetsFor(size, l.target), SIZE_CONNECTIONS);
    l.child.kill('SIGKILL');
  }

  const peak = rssOf(sidecar.pid!);
  json.table('RSS', 'cache sidecar', { at: 'state' });
  json.row({ table: 'RSS', series: 'cache sidecar', idleMb: idle.nowMb, peakMb: peak.peakMb });
  console.log(`cache sidecar RSS idle ${fmt(idle.nowMb, 1)} MB, peak ${fmt(peak.peakMb, 1)} MB`);
  redis.disconnect();
  json.write();
}

main().then(() => { killAll(); process.exit(0); }, (err) => { console.error(err); killAll(); process.exit(1); });
