import { Pool } from 'undici';

export interface TtftResult { p50: number; p99: number; total50: number; /** Connections opened (1 when every request reused the first). */ connections: number }

/**
 * One connection, sequential streaming requests: time to the first body byte
 * after the headers (the first token frame) and to the end, in ms. With
 * `cancel`, the client reads the first chunk and leaves (destroys the body, as
 * an app that stops reading does): `total50` is then the time to that cancel,
 * and each request after a cancel opens a new connection, as a real client's
 * does once it dropped a stream mid-way.
 */
export async function ttft(origin: string, path: string, body: string, headers: Record<string, string>, requests: number, cancel = false): Promise<TtftResult> {
  const pool = new Pool(origin, { connections: 1 });
  let connections = 0;
  pool.on('connect', () => { connections++; });
  const first: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      const res = await pool.request({ path, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      let seen = false;
      for await (const chunk of res.body) {
        if (!seen && (chunk as Buffer).length) { first.push(performance.now() - t0); seen = true; }
        if (seen && cancel) break;
      }
      total.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  } finally {
    await pool.close();
  }
  return { p50: pct(first, 50), p99: pct(first, 99), total50: pct(total, 50), connections };
}

export function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

export function median(values: number[]): number {
  return pct(values, 50);
}
