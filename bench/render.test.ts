import { describe, expect, it } from 'vitest';
import { chartFile, memoryRows, renderMarkdown, renderTable, summarizeTargets } from './render-markdown.ts';
import { curveSpec, rssSpec, toSvg } from './render-charts.ts';
import { commandLine, plan, resultsName, PARTS } from './report-plan.ts';
import { startCommand } from './curves/npm-start.ts';
import { benchJson, jsonTarget } from './report-json.ts';
import type { RunResults } from './report-results.ts';
import type { BenchRow, BenchTable } from './report-json.ts';

const table: BenchTable = { table: 'GET by connections', subject: 'sidecar', at: 'connections', curve: true, log: true };
const rows: BenchRow[] = [
  { table: table.table, series: 'sidecar', at: 1, rps: 1000, p50us: 100, p99us: 400, cpuUsPerReq: 50 },
  { table: table.table, series: 'webdis', at: 1, rps: 2000, p50us: 80, p99us: 300, cpuUsPerReq: 25 },
  { table: table.table, series: 'sidecar', at: 16, rps: 8000, p50us: 900, p99us: 3000, cpuUsPerReq: 40 },
  { table: table.table, series: 'webdis', at: 16, rps: 4000, p50us: 1000, p99us: 5000 },
];

function results(checks: { label: string; status: 'pass' | 'fail' | 'inconclusive' }[]): RunResults {
  const bench = benchJson('cache', { seconds: 1 });
  bench.table(table.table, table.subject, { at: table.at, curve: true, log: true });
  for (const r of rows) bench.row(r);
  for (const c of checks) bench.check(c.label, c.status, `${c.label} figure`);
  return {
    startedAt: '2026-12-02T11:00:00.000Z', mode: 'full', totalSeconds: 500, commit: '0123456789abcdef0123', dirty: false,
    machine: { hostname: 'box', cpuModel: 'Some CPU', cores: 2, kernel: '6.1', node: 'v24.0.0', redis: '7.0.15', loadTool: 'wrk 4.2', memoryGb: 8, loadAverage: [1, 1, 1] },
    parts: [{ part: 'cache', command: 'node bench/cache.ts', seconds: 60, exitCode: 0, output: bench.out }],
  };
}

describe('renderTable', () => {
  it('divides each row by the subject at the same load point, and leaves the ratio empty where the subject lacks the figure', () => {
    const md = renderTable(table, rows);
    const line = (series: string, at: string) => md.split('\n').find((l) => l.startsWith(`| ${series} | ${at} |`))!;
    // webdis at 1: 2000 / 1000 req/s, 25 / 50 µs CPU.
    expect(line('webdis', '1')).toContain('| 2.00× |');
    expect(line('webdis', '1')).toContain('| 0.50× |');
    // webdis at 16: half the req/s; no CPU figure, so no CPU ratio.
    expect(line('webdis', '16').endsWith('| 0.50× | 1.11× |  |')).toBe(true);
    expect(md).toContain('| **sidecar** | 16 | 8,000 |');
  });
});

describe('summarizeTargets and renderMarkdown', () => {
  it('counts what holds and what does not, and says so with the figure', () => {
    const r = results([{ label: 'p99 under 2 ms', status: 'pass' }, { label: 'req/s >= 1.2x webdis', status: 'fail' }, { label: 'tail', status: 'inconclusive' }]);
    const s = summarizeTargets(r.parts);
    expect([s.holds, s.fails, s.other]).toEqual([1, 1, 1]);
    const md = renderMarkdown(r, 'bench/results/x.json');
    expect(md).toContain('**1 targets hold and 1 do not** (1 inconclusive or not measured)');
    expect(md).toContain('| cache | req/s >= 1.2x webdis | **does not hold** | req/s >= 1.2x webdis figure |');
    expect(md).toContain('`0123456789ab`');
    expect(md).toContain('Some CPU, 2 cores');
    expect(md).toContain(`](img/${chartFile(table.table)})`);
  });

  it('names a part that failed, with the last line of its output', () => {
    const r = results([]);
    r.parts.push({ part: 'llm', command: 'node bench/llm.ts', seconds: 3, exitCode: 1, failure: 'starting\nError: mock did not start\n    at main (file:///bench/llm.ts:1:1)\n' });
    expect(renderMarkdown(r, 'f.json')).toContain('- `node bench/llm.ts` exited 1 after 3 s: `Error: mock did not start`');
  });
});

describe('memoryRows', () => {
  it('keeps one row per binary, the last part measured winning', () => {
    const part = (name: string, rows: BenchRow[]) => ({ part: name, command: name, seconds: 1, exitCode: 0, output: { bench: name, settings: {}, tables: [], rows, checks: [], notes: [] } });
    const rows = memoryRows([
      part('cache', [{ table: 'RSS', series: 'cache sidecar', idleMb: 60, peakMb: 200 }, { table: 'RSS', series: 'no idle figure', peakMb: 1 }]),
      part('cache-curves', [{ table: 'RSS', series: 'cache sidecar', idleMb: 66, peakMb: 127 }, { table: 'RSS', series: 'LLM proxy', idleMb: 88, peakMb: 140 }]),
    ]);
    expect(rows.map((r) => [r.series, r.peakMb])).toEqual([['cache sidecar', 127], ['LLM proxy', 140]]);
  });
});

describe('charts', () => {
  it('draws a curve table as an SVG with log axes titled with their units and a legend of the series', async () => {
    const spec = curveSpec(table, rows) as unknown as { hconcat: { encoding: { x: { title: string; scale: { type: string } }; y: { title: string } } }[] };
    expect(spec.hconcat.map((p) => p.encoding.y.title)).toEqual(['throughput (req/s) (log scale)', 'latency (ms) (log scale)', 'server CPU per request (µs) (log scale)']);
    expect(spec.hconcat[0].encoding.x).toMatchObject({ title: 'connections (log scale)', scale: { type: 'log' } });
    const svg = await toSvg(curveSpec(table, rows));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['webdis', 'sidecar', 'p99', 'connections (log scale)']) expect(svg).toContain(text);
  });

  it('leaves out of the chart a point whose load drew errors (the table keeps it)', () => {
    const failed = [...rows, { table: table.table, series: 'sidecar', at: 4096, rps: 9000, p50us: 100, p99us: 200, cpuUsPerReq: 10, errors: 12 }];
    const spec = curveSpec(table, failed) as unknown as { hconcat: { data: { values: { at: number }[] } }[] };
    for (const panel of spec.hconcat) {
      expect(panel.data.values.length).toBeGreaterThan(0);
      expect(panel.data.values.some((p) => p.at === 4096)).toBe(false);
    }
  });

  it('draws idle and peak RSS per component', async () => {
    const svg = await toSvg(rssSpec([{ table: 'RSS', series: 'worker', idleMb: 80, peakMb: 120 }, { table: 'RSS', series: 'app', idleMb: 150, peakMb: 200 }]));
    for (const text of ['worker', 'app', 'idle', 'peak', 'resident set size (MB)']) expect(svg).toContain(text);
  });
});

describe('report plan', () => {
  it('runs every part in both modes, with shorter runs in quick mode', () => {
    expect(plan('full').map((p) => p.part)).toEqual([...PARTS]);
    expect(plan('quick').map((p) => p.part)).toEqual([...PARTS]);
    const seconds = (mode: 'full' | 'quick') => Number(plan(mode, ['cache'])[0].env.BENCH_SECONDS);
    expect(seconds('quick')).toBeLessThan(seconds('full'));
  });

  it('refuses a part it does not know, naming the ones it does', () => {
    expect(() => plan('full', ['cache', 'nope'])).toThrow(/unknown part nope: choose from cache, llm/);
  });

  it('prints a command line that runs one part alone', () => {
    expect(commandLine(plan('quick', ['autoscaler'])[0])).toBe('node bench/autoscaler-sim.ts --seeds 2 --hours 2');
  });

  it('names results by date, time and machine, quick runs apart', () => {
    expect(resultsName(new Date('2026-12-02T11:05:09Z'), 'my host', 'quick')).toBe('2026-12-02-1105-my_host-quick.json');
  });
});

describe('startCommand', () => {
  it('follows the start:* script line, whatever it runs', () => {
    expect(startCommand('x', { 'start:x': 'node dist/x.js' })).toEqual({ cmd: process.execPath, args: ['dist/x.js'], before: [] });
    expect(startCommand('x', { 'start:x': 'npm run build && node --enable-source-maps dist/x.js' })).toEqual({ cmd: process.execPath, args: ['--enable-source-maps', 'dist/x.js'], before: ['npm run build'] });
    expect(() => startCommand('y', {})).toThrow('package.json has no "start:y" script');
  });
});

describe('jsonTarget', () => {
  it('reads --json <file> and --json=<file>, and nothing without it', () => {
    expect(jsonTarget(['node', 's.ts', '--json', 'a.json'])).toBe('a.json');
    expect(jsonTarget(['node', 's.ts', '--json=b.json'])).toBe('b.json');
    expect(jsonTarget(['node', 's.ts'])).toBeUndefined();
  });
});
