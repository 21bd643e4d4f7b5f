import { spawn, spawnSync } from 'node:child_process';

export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  rps: number;
  /** Latencies in microseconds. */
  p50us: number;
  p99us: number;
  errors: number;
  non2xx: number;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** wrk prints latencies as `123.45us`, `1.23ms`, `1.02s`. */
function toMicros(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n : m[2] === 'ms' ? n * 1e3 : m[2] === 's' ? n * 1e6 : n * 60e6;
}

export function parseWrk(out: string): LoadResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '';
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '';
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    tool: 'wrk', rps, p50us: toMicros(p50), p99us: toMicros(p99),
    errors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0, non2xx,
  };
}

/**
 * Runs wrk with one thread (the machine has two cores: one for the load, one for the server);
 * with `cpu`, wrk runs on that CPU alone (`taskset`).
 */
export function runWrk(url: string, connections: number, seconds: number, headers: Record<string, string> = {}, cpu?: number): Promise<LoadResult> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = cpu === undefined
      ? spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('taskset', ['-c', String(cpu), 'wrk', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(parseWrk(out)));
  });
}

/** The same measurement with autocannon, for machines without wrk. */
export async function runAutocannon(url: string, connections: number, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ url, connections, duration: seconds, headers, pipelining: 1 });
  return { tool: 'autocannon', rps: r.requests.average, p50us: r.latency.p50 * 1000, p99us: r.latency.p99 * 1000, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

export function runLoad(url: string, connections: number, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  return hasWrk() ? runWrk(url, connections, seconds, headers) : runAutocannon(url, connections, seconds, headers);
}
