import { Pool } from 'undici';

export interface TtftResult { p50: number; p99: number; total50: number }

/**
 * One connection, sequential streaming requests: time to the first body byte
 * after the headers (the first token frame) and to the end, in ms.
 */
export async function ttft(origin: string, path: string, body: string, headers: Record<string, string>, requests: number): Promise<TtftResult> {
  const pool = new Pool(origin, { connections: 1 });
  const first: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      const res = await pool.request({ path, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
      let seen = false;
      for await (const chunk of res.body) {
        if (!seen && (chunk as Buffer).length) { first.push(performance.now() - t0); seen = true; }
      }
      total.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  } finally {
    await pool.close();
  }
  return { p50: pct(first, 50), p99: pct(first, 99), total50: pct(total, 50) };
}

export function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

export function median(values: number[]): number {
  return pct(values, 50);
}
