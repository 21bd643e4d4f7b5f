/**
 * npm run bench [-- --quick] [--only cache,llm,...] [--into <results file>] [--no-render]
 *
 * Runs every benchmark against its peers (each part is an existing
 * `npm run bench:*` script, or a curve script, run with `--json`), one after
 * another so they do not load the machine together; writes every raw figure
 * with the machine and commit to bench/results/<date>-<machine>.json and
 * renders docs/performance.md and docs/img/perf-*.svg from it
 * (`npm run bench:render -- <file>` re-renders a file). A part that fails is
 * recorded as failed and the run goes on. `--only X --into <file>` runs
 * parts again and puts them in place of theirs in an existing results file
 * (the file records the re-run with its time, commit and load).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { commandLine, plan, resultsName, type Mode, type Part } from './report-plan.ts';
import type { BenchOutput } from './report-json.ts';
import type { MachineInfo, PartResult, RunResults } from './report-results.ts';
import { renderResults } from './render.ts';

const ROOT = resolve(import.meta.dirname, '..');

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string', default: '' }, into: { type: 'string' }, 'no-render': { type: 'boolean', default: false } } });
const mode: Mode = values.quick ? 'quick' : 'full';
const parts = plan(mode, values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : []);

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? 'not installed' : `${r.stdout}${r.stderr}`.split('\n')[0].trim();
}

function machine(): MachineInfo {
  const redis = /v=(\S+)/.exec(firstLine('redis-server', ['--version']))?.[1] ?? 'unknown';
  const wrk = firstLine('wrk', ['--version']);
  return {
    hostname: os.hostname(), cpuModel: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, kernel: os.release(),
    node: process.version, redis, loadTool: wrk === 'not installed' ? 'autocannon' : wrk.split(' [')[0],
    memoryGb: os.totalmem() / 2 ** 30, loadAverage: os.loadavg(),
  };
}

/** Runs one part as its own process (so its children die with it), echoing its output, and reads its --json file. */
function runPart(p: Part, scratch: string): Promise<PartResult> {
  const jsonFile = join(scratch, `${p.part}.json`);
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [p.script, ...p.args, '--json', jsonFile], { cwd: ROOT, env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const echo = (d: Buffer) => { process.stdout.write(d); tail = (tail + String(d)).slice(-4000); };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const output = existsSync(jsonFile) ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchOutput) : undefined;
      done({ part: p.part, command: commandLine(p), seconds, exitCode: code, ...(output ? { output } : {}), ...(code !== 0 || !output ? { failure: tail } : {}) });
    });
  });
}

const startedAt = new Date();
const t0 = performance.now();
const scratch = mkdtempSync(join(os.tmpdir(), 'pilotfish-bench-'));
const results: RunResults = {
  startedAt: startedAt.toISOString(), mode, totalSeconds: 0,
  commit: firstLine('git', ['rev-parse', 'HEAD']),
  dirty: spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '',
  machine: machine(), parts: [],
};
try {
  for (const p of parts) {
    console.log(`\n=== ${p.part}: ${commandLine(p)}`);
    const r = await runPart(p, scratch);
    results.parts.push(r);
    console.log(`=== ${p.part}: ${r.exitCode === 0 && r.output ? 'done' : `FAILED (exit ${r.exitCode})`} in ${r.seconds.toFixed(0)} s`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
results.totalSeconds = (performance.now() - t0) / 1000;
const dir = join(ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
let file = join(dir, resultsName(startedAt, results.machine.hostname, mode));
if (values.into) {
  file = resolve(values.into);
  const into = JSON.parse(readFileSync(file, 'utf8')) as RunResults;
  for (const r of results.parts) {
    const i = into.parts.findIndex((p) => p.part === r.part);
    if (i >= 0) into.parts[i] = r;
    else into.parts.push(r);
    (into.reruns ??= []).push({ part: r.part, startedAt: results.startedAt, commit: results.commit, loadAverage: results.machine.loadAverage });
  }
  writeFileSync(file, `${JSON.stringify(into, null, 2)}\n`);
} else {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
console.log(`\nresults: ${relative(ROOT, file)} (${results.totalSeconds.toFixed(0)} s in all)`);
if (!values['no-render']) for (const f of await renderResults(file)) console.log(`wrote ${f}`);
const failed = results.parts.filter((p) => p.exitCode !== 0 || !p.output);
if (failed.length) {
  console.log(`parts that failed: ${failed.map((p) => p.part).join(', ')}`);
  process.exitCode = 1;
}
