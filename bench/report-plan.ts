/**
 * What `npm run bench` runs, in order, and with which knobs in each mode. The
 * full run is sized to finish in under 10 minutes on a 2-core machine, the
 * quick one in under 3: each part keeps its peers and its alternating rounds,
 * only runs get shorter (and, in quick mode, single).
 */
export type Mode = 'full' | 'quick';

export interface Part {
  /** The name `--only` selects and the results file uses. */
  part: string;
  script: string;
  args: string[];
  env: Record<string, string>;
}

export const PARTS = ['cache', 'llm', 'queue', 'app', 'autoscaler', 'cache-curves', 'llm-curves', 'rss'] as const;

export function plan(mode: Mode, only: readonly string[] = []): Part[] {
  const quick = mode === 'quick';
  const all: Part[] = [
    { part: 'cache', script: 'bench/cache.ts', args: [], env: { BENCH_SECONDS: quick ? '1' : '3', BENCH_ROUNDS: quick ? '1' : '3' } },
    { part: 'llm', script: 'bench/llm.ts', args: [], env: { BENCH_SECONDS: quick ? '1' : '3', BENCH_ROUNDS: quick ? '1' : '3', BENCH_TTFT_REQUESTS: quick ? '50' : '200' } },
    { part: 'queue', script: 'bench/queue.ts', args: [], env: { BENCH_JOBS: quick ? '2000' : '5000', BENCH_ROUNDS: quick ? '2' : '4' } },
    // bench:app needs three rounds at least; quick mode shrinks the corpus and the runs instead.
    { part: 'app', script: 'bench/app.ts', args: [], env: { BENCH_SECONDS: quick ? '1' : '3', BENCH_ROUNDS: '3', BENCH_DOCS: quick ? '300' : '1000', BENCH_SAMPLES: quick ? '200' : '1000' } },
    { part: 'autoscaler', script: 'bench/autoscaler-sim.ts', args: quick ? ['--seeds', '2', '--hours', '2'] : ['--seeds', '3', '--hours', '6'], env: {} },
    // Quick mode keeps each curve's first, middle and last point (bench/curves/points.ts).
    { part: 'cache-curves', script: 'bench/curves/cache.ts', args: [], env: { CURVE_SECONDS: quick ? '1' : '2', CURVE_ROUNDS: '1', ...(quick ? { CURVE_POINTS: 'sparse' } : {}) } },
    { part: 'llm-curves', script: 'bench/curves/llm.ts', args: [], env: { CURVE_SECONDS: quick ? '1' : '2', CURVE_ROUNDS: '1', ...(quick ? { CURVE_POINTS: 'sparse' } : {}) } },
    { part: 'rss', script: 'bench/curves/rss.ts', args: [], env: { CURVE_SECONDS: quick ? '1' : '3', BENCH_RSS_JOBS: quick ? '500' : '2000' } },
  ];
  const unknown = only.filter((o) => !PARTS.includes(o as (typeof PARTS)[number]));
  if (unknown.length) throw new Error(`unknown part ${unknown.join(', ')}: choose from ${PARTS.join(', ')}`);
  return only.length ? all.filter((p) => only.includes(p.part)) : all;
}

/** The command line a reader can paste to run one part alone with the same knobs. */
export function commandLine(p: Part): string {
  const env = Object.entries(p.env).map(([k, v]) => `${k}=${v} `).join('');
  return `${env}node ${p.script}${p.args.length ? ` ${p.args.join(' ')}` : ''}`;
}

/** bench/results/<date>-<machine>.json; the time of day keeps two runs of one day apart, quick runs are marked. */
export function resultsName(startedAt: Date, hostname: string, mode: Mode): string {
  const stamp = startedAt.toISOString().slice(0, 16).replace(/[:T]/g, (c) => (c === 'T' ? '-' : ''));
  return `${stamp}-${hostname.replace(/[^A-Za-z0-9.-]/g, '_')}${mode === 'quick' ? '-quick' : ''}.json`;
}
