/**
 * The report's charts: vega-lite specs built from result rows (pure), and
 * their SVG, drawn by vega in Node with no browser or canvas.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { BenchRow, BenchTable } from './report-json.ts';

type Spec = vl.TopLevelSpec;

const PANEL = { width: 260, height: 200 };
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Sizes in binary units, as the value sizes are chosen (1 KiB, 1 MiB), not 1.024k. */
const BYTES_LABEL = "datum.value >= 1048576 ? format(datum.value / 1048576, '~g') + ' MiB' : datum.value >= 1024 ? format(datum.value / 1024, '~g') + ' KiB' : datum.value + ' B'";

/** One long-format point per figure, so a panel can filter and colour by what it shows. */
interface Point { series: string; at: number; figure: string; value: number }

function points(rows: readonly BenchRow[], figures: Record<string, string>): Point[] {
  const out: Point[] = [];
  for (const r of rows) {
    if (typeof r.at !== 'number') continue;
    // A point whose load drew errors measures the error answers (a 503 is cheap and fast), not the curve: the
    // table beside the chart shows it with its error count, the chart leaves it out.
    if (typeof r.errors === 'number' && r.errors > 0) continue;
    for (const [key, label] of Object.entries(figures)) {
      const v = r[key];
      // Log axes cannot show zero or a missing figure: such points are left out rather than drawn at an edge.
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) out.push({ series: r.series, at: r.at, figure: label, value: key.endsWith('us') && key.startsWith('p') ? v / 1000 : v });
    }
  }
  return out;
}

/**
 * A curve table as three panels side by side: throughput, latency (p50 solid,
 * p99 dashed) and server CPU per request, each against the table's load axis.
 * Log scales on both axes: connections and sizes grow by factors, and the
 * figures span orders of magnitude between the peers.
 */
export function curveSpec(table: BenchTable, rows: readonly BenchRow[]): Spec {
  const xTitle = table.at ?? 'load';
  const x = { field: 'at', type: 'quantitative' as const, title: `${xTitle}${table.log ? ' (log scale)' : ''}`, scale: { type: table.log ? ('log' as const) : ('linear' as const) }, axis: { values: [...new Set(rows.map((r) => r.at).filter((a): a is number => typeof a === 'number'))], format: '~s', ...(/bytes/.test(xTitle) ? { labelExpr: BYTES_LABEL } : {}) } };
  const color = { field: 'series', type: 'nominal' as const, title: 'measured', sort: [table.subject] };
  const panel = (figures: Record<string, string>, yTitle: string, dashed = false) => ({
    ...PANEL,
    data: { values: points(rows, figures) },
    mark: { type: 'line', point: true },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: `${yTitle} (log scale)`, scale: { type: 'log' }, axis: { format: '~g', tickCount: 5 } },
      color,
      ...(dashed ? { strokeDash: { field: 'figure', type: 'nominal', title: 'percentile', legend: { symbolType: 'stroke', symbolStrokeColor: '#333', symbolStrokeWidth: 2 } } } : {}),
      detail: { field: 'figure', type: 'nominal' },
      tooltip: [{ field: 'series' }, { field: 'at' }, { field: 'figure' }, { field: 'value', format: '.3~s' }],
    },
  });
  return {
    $schema: SCHEMA,
    title: { text: table.table, subtitle: `${table.subject} against its peers; medians of alternating rounds in one run` },
    hconcat: [
      panel({ rps: 'req/s' }, 'throughput (req/s)'),
      panel({ p50us: 'p50', p99us: 'p99' }, 'latency (ms)', true),
      panel({ cpuUsPerReq: 'CPU' }, 'server CPU per request (µs)'),
    ],
    resolve: { scale: { color: 'shared' } },
    config: { font: 'sans-serif', legend: { orient: 'right' } },
  } as Spec;
}

/** Idle and peak resident memory of each binary, bars side by side. */
export function rssSpec(rows: readonly BenchRow[]): Spec {
  const values = rows.flatMap((r) => [
    ...(typeof r.idleMb === 'number' ? [{ component: r.series, state: 'idle', mb: r.idleMb }] : []),
    ...(typeof r.peakMb === 'number' ? [{ component: r.series, state: 'peak', mb: r.peakMb }] : []),
  ]);
  return {
    $schema: SCHEMA,
    title: { text: 'Resident memory per component binary', subtitle: 'started as npm run start:* starts it; idle after start, peak (VmHWM) after load' },
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'component', type: 'nominal', title: 'component', axis: { labelAngle: 0 } },
      xOffset: { field: 'state', type: 'nominal' },
      y: { field: 'mb', type: 'quantitative', title: 'resident set size (MB)' },
      color: { field: 'state', type: 'nominal', title: 'state', scale: { range: ['#9ecae1', '#3182bd'] } },
      tooltip: [{ field: 'component' }, { field: 'state' }, { field: 'mb', format: '.1f' }],
    },
    config: { font: 'sans-serif' },
  } as Spec;
}

export async function toSvg(spec: Spec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
