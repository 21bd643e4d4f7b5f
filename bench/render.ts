/**
 * npm run bench:render -- [bench/results/<file>.json] — renders docs/performance.md
 * and its charts (docs/img/perf-*.svg) from a results file; with no argument,
 * from the newest file in bench/results/. `npm run bench` calls it at the end.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartFile, memoryRows, renderMarkdown } from './render-markdown.ts';
import { curveSpec, rssSpec, toSvg } from './render-charts.ts';
import type { RunResults } from './report-results.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');

function newestResults(): string {
  const files = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).map((f) => join(RESULTS_DIR, f));
  if (!files.length) throw new Error(`no results in ${RESULTS_DIR}: run npm run bench first`);
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Writes the page and every chart; returns the files written, relative to the repository. */
export async function renderResults(file: string, docsDir = join(ROOT, 'docs')): Promise<string[]> {
  const results = JSON.parse(readFileSync(file, 'utf8')) as RunResults;
  if (!Array.isArray(results.parts) || !results.machine) throw new Error(`${file} is not a bench results file (no parts or machine)`);
  const imgDir = join(docsDir, 'img');
  mkdirSync(imgDir, { recursive: true });
  const written: string[] = [];
  const write = (path: string, text: string) => { writeFileSync(path, text); written.push(relative(ROOT, path)); };

  for (const p of results.parts) {
    for (const t of p.output?.tables ?? []) {
      if (!t.curve) continue;
      write(join(imgDir, chartFile(t.table)), await toSvg(curveSpec(t, p.output!.rows.filter((r) => r.table === t.table))));
    }
  }
  const rssRows = memoryRows(results.parts);
  if (rssRows.length) write(join(imgDir, chartFile('RSS')), await toSvg(rssSpec(rssRows)));
  write(join(docsDir, 'performance.md'), renderMarkdown(results, relative(ROOT, resolve(file))));
  return written;
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ? resolve(process.argv[2]) : newestResults();
  for (const f of await renderResults(file)) console.log(`wrote ${f}`);
}
