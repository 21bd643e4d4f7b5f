/**
 * Starts a component binary the way `npm run start:<name>` starts it: the
 * command line is read from package.json at run time, so when the scripts
 * switch (say, from `node cmd/x/main.ts` to a bundled `node dist/x.js`) the
 * curves follow without a change here. The binary runs as our direct child
 * (no npm or shell in between), so its pid is the one whose CPU time and RSS
 * are read from /proc.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start } from '../lib/procs.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The `start:<name>` line split into a program and its arguments; `node` becomes this Node (24). */
export function startCommand(name: string, scripts: Record<string, string> = readScripts()): { cmd: string; args: string[]; before: string[] } {
  const line = scripts[`start:${name}`];
  if (!line) throw new Error(`package.json has no "start:${name}" script`);
  // `a && b && node x.js`: the steps before the last run once, to completion (a build, say).
  const steps = line.split('&&').map((s) => s.trim()).filter(Boolean);
  const words = steps.at(-1)!.split(/\s+/);
  const [program, ...args] = words;
  const cmd = program === 'node' ? process.execPath : program;
  return { cmd, args, before: steps.slice(0, -1) };
}

function readScripts(): Record<string, string> {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
}

/** Runs the `prestart:<name>` script and any steps before the binary, then starts the binary itself. */
export function startNpm(name: string, env: NodeJS.ProcessEnv): ChildProcess {
  const scripts = readScripts();
  const { cmd, args, before } = startCommand(name, scripts);
  const path = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`;
  for (const step of [...(scripts[`prestart:${name}`] ? [`npm run prestart:${name}`] : []), ...before]) {
    const r = spawnSync('sh', ['-c', step], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PATH: path } });
    if (r.status !== 0) throw new Error(`${step} (before start:${name}) exited ${r.status}`);
  }
  return start(cmd, args, env);
}
