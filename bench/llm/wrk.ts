import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult { rps: number; p50: number; p99: number; errors: number }

/** Runs wrk (1 thread) POSTing `body` with `headers`; latencies in ms. */
export function wrk(url: string, body: string, headers: Record<string, string>, connections: number, seconds: number): Promise<LoadResult> {
  const script = join(tmpdir(), `pilotfish-bench-llm-${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  const lines = [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(body)}`, `wrk.headers["content-type"] = "application/json"`];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  lines.push(
    'local bad = 0',
    'response = function(status, headers, body) if status ~= 200 then bad = bad + 1 end end',
    'done = function(summary, latency, requests) io.write(string.format("NON200 %d\\n", bad)) end',
  );
  writeFileSync(script, lines.join('\n'));
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
      const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(stdout));
      const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const non2xx = Number(/NON200 (\d+)/.exec(stdout)?.[1] ?? 0);
      const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      resolve({ rps, p50: pct('50'), p99: pct('99'), errors });
    });
  });
}

function toMs(m: RegExpExecArray | null): number {
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}
