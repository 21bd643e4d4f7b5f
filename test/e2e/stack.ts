/**
 * The real binaries as users run them (`node cmd/<binary>/main.ts`), each on
 * free ports with only the environment given here, their output kept so a
 * failure can show it and a test can scan it for secrets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Binary {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startBinary(name: string, env: Record<string, string>): Binary {
  const child = spawn(process.execPath, [`cmd/${name}/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until `url` answers 200, failing with the binary's output if it exits or takes too long. */
export async function waitForOk(binary: Binary, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (binary.child.exitCode !== null) throw new Error(`${binary.name} exited with ${binary.child.exitCode}:\n${binary.output()}`);
    const ok = await fetch(url).then((r) => { void r.body?.cancel(); return r.ok; }, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${binary.name} did not answer ${url} within ${timeoutMs} ms:\n${binary.output()}`);
}
