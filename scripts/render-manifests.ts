/**
 * npm run manifests — renders manifests/pilotfish.yaml from charts/pilotfish
 * with its default values, so a cluster without Helm gets exactly what
 * `helm install` would create. The file starts with a header saying how it
 * was made and which Secrets to create first; the body is Helm's output as is.
 *
 *   node scripts/render-manifests.ts           write manifests/pilotfish.yaml
 *   node scripts/render-manifests.ts --check   exit 1 when the committed file is stale
 *
 * Helm: HELM_BIN, else `helm` on PATH. test/integration/chart-manifests.test.ts
 * fails, naming this command, when the committed file is not a fresh render.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MANIFEST_PATH = join(ROOT, 'manifests', 'pilotfish.yaml');
/** Release name and namespace of the rendered file: the names docs/deploy.md uses. */
const RELEASE = 'pilotfish';
const HELM_ARGS = ['template', RELEASE, 'charts/pilotfish', '--namespace', RELEASE, '--include-crds'];

/** The header above Helm's output; `helmVersion` as `helm version --short` prints it, build metadata dropped. */
export function manifestHeader(helmVersion: string): string {
  const version = helmVersion.trim().replace(/\+.*$/, '');
  return [
    '# Pilotfish, rendered from charts/pilotfish with its default values (do not edit: re-render with `npm run manifests`).',
    '#',
    `#   helm ${HELM_ARGS.join(' ')} > body`,
    '#   (this header, then body) > manifests/pilotfish.yaml',
    '#',
    `# Helm ${version}. Apply with \`kubectl create namespace ${RELEASE} && kubectl apply -n ${RELEASE} -f manifests/pilotfish.yaml\``,
    '# after creating the Secrets it names (never part of this file):',
    `#   kubectl -n ${RELEASE} create secret generic pilotfish-redis --from-literal=url='redis://:PASSWORD@redis:6379'`,
    `#   kubectl -n ${RELEASE} create secret generic pilotfish-llm --from-literal=openai-api-key=... --from-literal=anthropic-api-key=...`,
    `#   kubectl -n ${RELEASE} create secret generic pilotfish-app --from-file=api-keys=keys.json --from-literal=session-secret="$(openssl rand -hex 32)"`,
    '# See docs/deploy.md. test/integration/chart.test.ts checks this file.',
  ].join('\n') + '\n';
}

/** The whole file: the header, then Helm's output from its first document on. */
export function manifestFile(helmVersion: string, helmOutput: string): string {
  const start = helmOutput.indexOf('---\n');
  if (start < 0) throw new Error('helm template printed no document');
  return manifestHeader(helmVersion) + helmOutput.slice(start);
}

function findHelm(env: NodeJS.ProcessEnv = process.env): string {
  for (const bin of [env.HELM_BIN, 'helm'].filter(Boolean) as string[]) {
    if (spawnSync(bin, ['version', '--short'], { stdio: 'ignore' }).status === 0) return bin;
  }
  throw new Error('no helm binary: install Helm or set HELM_BIN');
}

function helm(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A fresh render of manifests/pilotfish.yaml. */
export function renderManifest(bin = findHelm()): string {
  return manifestFile(helm(bin, ['version', '--short']), helm(bin, HELM_ARGS));
}

function main(argv: string[]): number {
  const fresh = renderManifest();
  if (argv.includes('--check')) {
    if (readFileSync(MANIFEST_PATH, 'utf8') === fresh) return 0;
    process.stderr.write('manifests/pilotfish.yaml is not a fresh render of charts/pilotfish: run `npm run manifests` and commit it\n');
    return 1;
  }
  writeFileSync(MANIFEST_PATH, fresh);
  process.stdout.write(`wrote ${MANIFEST_PATH}\n`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
