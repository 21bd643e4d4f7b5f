/**
 * docs/performance.md from a results file: pure (no I/O), so the same file
 * always renders the same page. Tables carry ratios against the table's
 * subject at the same load point; the targets section lists every check the
 * bench scripts made, holding or not, with the figure.
 */
import type { BenchRow, BenchTable, BenchCheck } from './report-json.ts';
import type { RunResults, PartResult } from './report-results.ts';

/** Figures a row may carry, with the header and the number of decimals to print; unknown ones print as they are named. */
const FIGURES: Record<string, { header: string; digits: number }> = {
  rps: { header: 'req/s', digits: 0 },
  p50us: { header: 'p50 (µs)', digits: 0 },
  p99us: { header: 'p99 (µs)', digits: 0 },
  cpuUsPerReq: { header: 'server CPU / req (µs)', digits: 1 },
  sidecarCpuUsPerReq: { header: 'sidecar CPU / req (µs)', digits: 1 },
  ttftP50us: { header: 'TTFT p50 (µs)', digits: 0 },
  ttftP99us: { header: 'TTFT p99 (µs)', digits: 0 },
  fullP50us: { header: 'whole stream p50 (µs)', digits: 0 },
  jobsPerSec: { header: 'jobs/s', digits: 0 },
  cpuUsPerJob: { header: 'worker CPU / job (µs)', digits: 1 },
  redisCommandsPerJob: { header: 'Redis commands / job', digits: 3 },
  hotPathNs: { header: 'hot path (ns / job)', digits: 0 },
  withinSloMedian: { header: 'within SLO (median)', digits: 4 },
  withinSloWorst: { header: 'within SLO (worst seed)', digits: 4 },
  replicaSeconds: { header: 'replica-seconds (median)', digits: 0 },
  maxPods: { header: 'max pods', digits: 0 },
  scaleChanges: { header: 'scale changes', digits: 0 },
  idleMb: { header: 'idle RSS (MB)', digits: 1 },
  peakMb: { header: 'peak RSS (MB)', digits: 1 },
  nowMb: { header: 'RSS at the end (MB)', digits: 1 },
  errors: { header: 'errors', digits: 0 },
};

/** Figures whose ratio against the subject is shown (higher-is-better ones and cost ones alike: the header says which way). */
const RATIO_FIGURES = ['rps', 'jobsPerSec', 'p50us', 'cpuUsPerReq', 'cpuUsPerJob', 'replicaSeconds'];

export const STATUS_LABEL: Record<BenchCheck['status'], string> = { pass: 'holds', fail: '**does not hold**', inconclusive: 'inconclusive', 'not measured': 'not measured' };

export function formatNumber(value: unknown, digits = 1): string {
  if (typeof value !== 'number') return value === undefined ? '' : String(value);
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const ratioText = (r: number) => (Number.isFinite(r) ? `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×` : '');
const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

/** A markdown table of one bench table's rows, with "÷ subject" columns for the figures that have one. */
export function renderTable(table: BenchTable, rows: readonly BenchRow[]): string {
  const figureKeys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => !['table', 'series', 'at'].includes(k) && typeof r[k] === 'number')))];
  const textKeys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => !['table', 'series', 'at'].includes(k) && typeof r[k] === 'string')))];
  const hasAt = rows.some((r) => r.at !== undefined);
  const subjectAt = (at: BenchRow['at']) => rows.find((r) => r.series === table.subject && r.at === at);
  const ratioKeys = RATIO_FIGURES.filter((k) => figureKeys.includes(k) && rows.some((r) => r.series !== table.subject && typeof subjectAt(r.at)?.[k] === 'number'));
  const header = ['', ...(hasAt ? [table.at ?? 'at'] : []), ...figureKeys.map((k) => FIGURES[k]?.header ?? k), ...ratioKeys.map((k) => `${FIGURES[k]?.header ?? k}: this ÷ ${table.subject}`), ...textKeys];
  const numericColumns = header.length - textKeys.length;
  const lines = [`| ${header.map(escapeCell).join(' | ')} |`, `|${header.map((_, i) => (i === 0 || i >= numericColumns ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const subject = subjectAt(r.at);
    const cells = [
      r.series === table.subject ? `**${r.series}**` : r.series,
      ...(hasAt ? [formatNumber(r.at, 0)] : []),
      ...figureKeys.map((k) => formatNumber(r[k], FIGURES[k]?.digits ?? 2)),
      ...ratioKeys.map((k) => (subject && typeof r[k] === 'number' && typeof subject[k] === 'number' ? ratioText((r[k] as number) / (subject[k] as number)) : '')),
      ...textKeys.map((k) => String(r[k] ?? '')),
    ];
    lines.push(`| ${cells.map((c) => escapeCell(String(c))).join(' | ')} |`);
  }
  return lines.join('\n');
}

export interface TargetSummary { holds: number; fails: number; other: number; lines: string[] }

/** Every check of every part, as one list: what holds and what does not, by how much (the detail is the script's own figure). */
export function summarizeTargets(parts: readonly PartResult[]): TargetSummary {
  const summary: TargetSummary = { holds: 0, fails: 0, other: 0, lines: [] };
  for (const p of parts) {
    for (const c of p.output?.checks ?? []) {
      if (c.status === 'pass') summary.holds++;
      else if (c.status === 'fail') summary.fails++;
      else summary.other++;
      summary.lines.push(`| ${p.part} | ${escapeCell(c.label)} | ${STATUS_LABEL[c.status]} | ${escapeCell(c.detail)} |`);
    }
  }
  return summary;
}

/** The images a results file gets, by table: one chart per curve table and one of RSS. */
export function chartFile(table: string): string {
  return `perf-${table.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.svg`;
}

const PART_TITLES: Record<string, string> = {
  cache: 'Cache sidecar: GET hits against webdis, the lean node path and direct ioredis (`npm run bench:cache`)',
  llm: 'LLM proxy against the direct upstream and Portkey (`npm run bench:llm`)',
  queue: 'Queue instrumentation on against off (`npm run bench:queue`)',
  app: "The app's search-cached hits against uncached search (`npm run bench:app`)",
  autoscaler: 'Queue autoscaler against KEDA-style policies, simulated (`npm run sim:autoscaler`)',
  'cache-curves': 'Cache sidecar scaling curves (`node bench/curves/cache.ts`)',
  'llm-curves': 'LLM proxy scaling curves (`node bench/curves/llm.ts`)',
  rss: 'Memory of the other binaries (`node bench/curves/rss.ts`)',
};

/** RSS rows with an idle figure, one per binary: a later part (the curves, the rss part) replaces an earlier one's row for the same binary. */
export function memoryRows(parts: readonly PartResult[]): BenchRow[] {
  const bySeries = new Map<string, BenchRow>();
  for (const p of parts) for (const r of p.output?.rows ?? []) if (r.table === 'RSS' && r.idleMb !== undefined) bySeries.set(r.series, r);
  return [...bySeries.values()];
}

/** The error a failed part printed: its last line that is not a stack frame. */
function failureLine(output: string): string {
  return (output.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).at(-1) ?? '').trim().slice(0, 300);
}

/** The whole page. `resultsPath` is where the figures came from, shown so a reader can find the raw file. */
export function renderMarkdown(results: RunResults, resultsPath: string): string {
  const m = results.machine;
  const out: string[] = [
    '# Performance',
    '',
    `<!-- Generated by \`npm run bench:render -- ${resultsPath}\` from ${resultsPath}. Do not edit by hand: re-run \`npm run bench\`. -->`,
    '',
    `Every figure on this page comes from one \`npm run bench${results.mode === 'quick' ? ' -- --quick' : ''}\` run, raw in [\`${resultsPath}\`](../${resultsPath}). How to run a part alone and how to read the noise: [bench/README.md](../bench/README.md).`,
    '',
    '| run | |',
    '|---|---|',
    `| started | ${results.startedAt} (${results.mode} mode, ${formatNumber(results.totalSeconds, 0)} s in all) |`,
    `| commit | \`${results.commit.slice(0, 12)}\`${results.dirty ? ' (with uncommitted changes in the tree)' : ''} |`,
    `| machine | ${m.hostname}: ${m.cpuModel}, ${m.cores} cores, ${formatNumber(m.memoryGb, 1)} GB, Linux ${m.kernel} |`,
    `| software | Node ${m.node}, Redis ${m.redis}, load from ${m.loadTool} |`,
    `| load average at the start | ${m.loadAverage.map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min) on ${m.cores} cores |`,
    ...(results.reruns ?? []).map((r) => `| part \`${r.part}\` run again | ${r.startedAt} at \`${r.commit.slice(0, 12)}\`, load average ${r.loadAverage.map((x) => x.toFixed(2)).join(', ')} |`),
    '',
    `**Read the ratios, not the absolute figures.** This machine is shared; every comparison below was measured in the same run, the peers in alternating order, and reported as medians. A figure that moves between runs while its ratio holds is the machine; a ratio that moves is the code.`,
    '',
  ];

  const targets = summarizeTargets(results.parts);
  out.push('## Targets', '', `In this run **${targets.holds} targets hold and ${targets.fails} do not**${targets.other ? ` (${targets.other} inconclusive or not measured)` : ''}. Each is checked by the bench script named, as a ratio or difference within the run where the target is one.`, '');
  out.push('| part | target | in this run | measured |', '|---|---|---|---|', ...targets.lines, '');

  const failed = results.parts.filter((p) => p.exitCode !== 0 || !p.output);
  if (failed.length) {
    out.push('## Parts that did not complete', '');
    for (const p of failed) out.push(`- \`${p.command}\` exited ${p.exitCode} after ${formatNumber(p.seconds, 0)} s${p.failure ? `: \`${failureLine(p.failure)}\`` : ''}`);
    out.push('');
  }

  const rssRows = memoryRows(results.parts);
  if (rssRows.length) {
    out.push('## Memory of each binary', '', 'Each binary started as its `npm run start:*` script starts it. Idle: resident set a second after it is ready; peak: the high-water mark (VmHWM) after the work named.', '');
    out.push(renderTable({ table: 'RSS', subject: rssRows[0].series }, rssRows), '', `![RSS per component, idle and peak](img/${chartFile('RSS')})`, '');
  }

  for (const p of results.parts) {
    if (!p.output) continue;
    out.push(`## ${PART_TITLES[p.part] ?? p.part}`, '', `\`${p.command}\` — ${formatNumber(p.seconds, 0)} s; settings: ${escapeCell(JSON.stringify(p.output.settings))}`, '');
    for (const note of p.output.notes) out.push(`> ${note}`, '');
    for (const t of p.output.tables) {
      const rows = p.output.rows.filter((r) => r.table === t.table && !(t.table === 'RSS' && r.idleMb !== undefined));
      if (!rows.length) continue;
      out.push(`### ${t.table}`, '', renderTable(t, rows), '');
      if (t.curve) out.push(`![${t.table}: req/s, latency and CPU per request against ${t.at ?? 'load'}](img/${chartFile(t.table)})`, '');
    }
    const checks = p.output.checks;
    if (checks.length) out.push('Targets:', '', ...checks.map((c) => `- ${c.label}: ${STATUS_LABEL[c.status]} (${c.detail})`), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
