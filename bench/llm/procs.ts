import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Proc { child: ChildProcess; output: () => string; stop(): Promise<void> }

/** Spawns a process; resolves once `ready` matches its output (or rejects after `timeoutMs`). */
export async function start(cmd: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 20_000): Promise<Proc> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (d: Buffer) => { out += String(d); if (out.length > 100_000) out = out.slice(-50_000); };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await once(child, 'exit');
    clearTimeout(t);
  };
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(out)) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(' ')} exited: ${out.slice(-2000)}`);
    if (Date.now() > deadline) { await stop(); throw new Error(`${cmd} ${args.join(' ')} not ready: ${out.slice(-2000)}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, stop };
}
