/**
 * Helm for the chart tests: the binary HELM_BIN names (or `helm` on PATH),
 * `helm template` of charts/pilotfish into parsed objects. Tests that need it
 * skip when no helm answers `helm version`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
export const CHART = join(ROOT, 'charts', 'pilotfish');

export type Obj = Record<string, any>;

function findHelm(): string | undefined {
  for (const bin of [process.env.HELM_BIN, 'helm'].filter(Boolean) as string[]) {
    if (spawnSync(bin, ['version', '--short'], { stdio: 'ignore' }).status === 0) return bin;
  }
  return undefined;
}

export const helm = findHelm();

/** Suites that run helm several times: each run takes seconds on a loaded machine, past the 30 s default. */
export const HELM_SUITE = { timeout: 180_000 };

export function runHelm(args: string[]): string {
  if (!helm) throw new Error('no helm binary: set HELM_BIN');
  const r = spawnSync(helm, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function parseDocs(text: string, where: string): Obj[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${where}: ${d.errors[0].message}`);
  }
  return docs.map((d) => d.toJS() as Obj).filter((d) => d !== null);
}

/** `helm template pf charts/pilotfish -n apps <args>`, parsed. */
export function render(...args: string[]): Obj[] {
  return parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', ...args]), args.join(' ') || 'defaults');
}

export function find(docs: Obj[], kind: string, name: string): Obj | undefined {
  return docs.find((d) => d.kind === kind && d.metadata?.name === name);
}
