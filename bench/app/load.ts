/**
 * Load over a small set of paths (wrk with a Lua script when wrk is installed,
 * autocannon otherwise), and a one-connection sampler that times each request
 * in microseconds: autocannon's histogram has 1 ms resolution, too coarse to
 * tell a sub-millisecond difference.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import { hasWrk, parseWrk, type LoadResult } from '../lib/wrk.ts';
import { percentile } from '../lib/stats.ts';

/** Cycles through `paths` of `origin` on `connections` connections for `seconds`. */
export async function loadPaths(origin: string, paths: string[], connections: number, seconds: number, headers: Record<string, string>): Promise<LoadResult> {
  if (hasWrk()) return wrkPaths(origin, paths, connections, seconds, headers);
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url: origin, connections, duration: seconds, headers, pipelining: 1, requests: paths.map((path) => ({ method: 'GET', path })) });
  return { tool: 'autocannon', rps: r.requests.average, p50us: r.latency.p50 * 1000, p99us: r.latency.p99 * 1000, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

function wrkPaths(origin: string, paths: string[], connections: number, seconds: number, headers: Record<string, string>): Promise<LoadResult> {
  const script = join(tmpdir(), `pilotfish-bench-app-${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  const lines = [`local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }`, 'local i = 0'];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  lines.push('request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end');
  writeFileSync(script, lines.join('\n'));
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, origin], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(parseWrk(out)));
  });
}

export interface Sample {
  p50us: number;
  p99us: number;
  /** Answers that were not 200 with `X-Cache: hit`. */
  notHits: number;
}

/**
 * Requests `a` and `b` in turn, `count` times each, each on its own kept-alive
 * connection, so both see the same moment's machine noise.
 */
export async function interleavedSamples(
  a: { origin: string; path: (i: number) => string; headers?: Record<string, string> },
  b: { origin: string; path: (i: number) => string; headers?: Record<string, string> },
  count: number,
): Promise<[Sample, Sample]> {
  const clients = [new Client(a.origin, { pipelining: 1 }), new Client(b.origin, { pipelining: 1 })];
  const targets = [a, b];
  const times = [new Float64Array(count), new Float64Array(count)];
  const notHits = [0, 0];
  try {
    for (let i = 0; i < count; i++) {
      for (let t = 0; t < 2; t++) {
        const target = targets[(i + t) % 2];
        const which = target === a ? 0 : 1;
        const t0 = performance.now();
        const res = await clients[which].request({ method: 'GET', path: target.path(i), headers: target.headers });
        await res.body.text();
        times[which][i] = (performance.now() - t0) * 1000;
        if (res.statusCode !== 200 || res.headers['x-cache'] !== 'hit') notHits[which]++;
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return [0, 1].map((w) => ({ p50us: percentile(times[w], 50), p99us: percentile(times[w], 99), notHits: notHits[w] })) as [Sample, Sample];
}
