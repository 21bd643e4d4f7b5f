/**
 * Load of one fixed POST (method, headers, body) with wrk, or autocannon when
 * wrk is missing: what an Upstash client sends for each command.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasWrk, parseWrk, type LoadResult } from '../lib/wrk.ts';

export async function runPostLoad(url: string, connections: number, seconds: number, headers: Record<string, string>, body: string): Promise<LoadResult> {
  if (!hasWrk()) {
    const { default: autocannon } = await import('autocannon');
    const r = await autocannon({ url, connections, duration: seconds, method: 'POST', headers, body, pipelining: 1 });
    return { tool: 'autocannon', rps: r.requests.average, p50us: r.latency.p50 * 1000, p99us: r.latency.p99 * 1000, errors: r.errors + r.timeouts, non2xx: r.non2xx };
  }
  const script = join(mkdtempSync(join(tmpdir(), 'wrk-post-')), 'post.lua');
  const lines = ['wrk.method = "POST"', `wrk.body = ${JSON.stringify(body)}`, ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)];
  writeFileSync(script, lines.join('\n'));
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(parseWrk(out)));
  });
}
