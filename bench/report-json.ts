/**
 * The machine-readable side of every `npm run bench:*` script: with
 * `--json <file>` on its command line a script writes the figures it prints
 * (rows of its medians tables and its target checks) to that file, so
 * `npm run bench` (bench/report.ts) reuses the scripts instead of copying them.
 * Without the flag nothing is written and the console output is all there is.
 *
 * A row is one line of a medians table: `table` names the comparison, `series`
 * the thing measured (the subject or one of its peers), `at` the load point
 * (connections, value size…); the other fields are figures. The renderer draws
 * every row a script emits, so a script that gains a row needs no change here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type CheckStatus = 'pass' | 'fail' | 'inconclusive' | 'not measured';

export interface BenchRow {
  table: string;
  series: string;
  at?: string | number;
  [figure: string]: string | number | undefined;
}

export interface BenchCheck {
  label: string;
  status: CheckStatus;
  detail: string;
}

/**
 * A table's subject: the series its other rows are divided by. `at` names the
 * load point with its unit ("connections", "value size (bytes)"); a table with
 * `curve` set is drawn as charts against it, on a log axis when `log` is set.
 */
export interface BenchTable {
  table: string;
  subject: string;
  at?: string;
  curve?: boolean;
  log?: boolean;
}

export interface BenchOutput {
  bench: string;
  settings: Record<string, unknown>;
  tables: BenchTable[];
  rows: BenchRow[];
  checks: BenchCheck[];
  notes: string[];
}

/** The `--json <file>` argument of this process, if any. */
export function jsonTarget(argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf('--json');
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--json='))?.slice('--json='.length);
}

/** Collects a script's figures; `write()` puts them where `--json` asked, and does nothing without it. */
export function benchJson(bench: string, settings: Record<string, unknown> = {}) {
  const out: BenchOutput = { bench, settings, tables: [], rows: [], checks: [], notes: [] };
  return {
    out,
    table(table: string, subject: string, axis: Omit<BenchTable, 'table' | 'subject'> = {}): void {
      if (!out.tables.some((t) => t.table === table)) out.tables.push({ table, subject, ...axis });
    },
    row(row: BenchRow): void {
      // NaN is not JSON: a figure that was not measured is left out.
      out.rows.push(Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v !== 'number' || Number.isFinite(v))) as BenchRow);
    },
    check(label: string, status: CheckStatus | boolean, detail: string): void {
      out.checks.push({ label, status: typeof status === 'boolean' ? (status ? 'pass' : 'fail') : status, detail });
    },
    note(text: string): void {
      out.notes.push(text);
    },
    write(file: string | undefined = jsonTarget()): void {
      if (!file) return;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    },
  };
}
