import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';

/** One binary of the local stack. */
export interface StackMember {
  name: string;
  /** Path of the binary's main.ts, relative to the repository root. */
  main: string;
  args?: string[];
  env?: Record<string, string>;
  /** Variables of this process's environment the member must not inherit. */
  unset?: string[];
  /** Started only when this resolves true (e.g. Redis answers). */
  when?: () => Promise<boolean>;
  /** Said when `when` is false. */
  skipReason?: string;
}

export interface Stack {
  readonly children: Map<string, ChildProcess>;
  /** SIGTERM to every member; resolves when all have exited. */
  stop(): Promise<void>;
  /** Resolves with the first non-zero exit, or 0 once all exited. */
  readonly exited: Promise<number>;
}

export function tcpAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('timeout', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(false));
  });
}

/**
 * Runs each member as a child process of this Node (so Node 24 and its type
 * stripping), prefixing every output line with the member's name.
 */
export async function startStack(members: StackMember[], out: NodeJS.WritableStream = process.stdout): Promise<Stack> {
  const children = new Map<string, ChildProcess>();
  const exits: Promise<number>[] = [];
  for (const m of members) {
    if (m.when && !(await m.when())) {
      out.write(`[dev] ${m.name} not started: ${m.skipReason ?? 'its precondition is not met'}\n`);
      continue;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, ...m.env };
    for (const name of m.unset ?? []) delete env[name];
    const child = spawn(process.execPath, [m.main, ...(m.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.set(m.name, child);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => out.write(`[${m.name}] ${line}\n`));
    }
    exits.push(new Promise((resolve) => child.once('exit', (code, signal) => {
      out.write(`[dev] ${m.name} exited (${signal ?? code})\n`);
      resolve(code ?? 0);
    })));
  }
  const exited = Promise.all(exits).then((codes) => codes.find((c) => c !== 0) ?? 0);
  return {
    children,
    exited,
    async stop() {
      for (const c of children.values()) if (c.exitCode === null) c.kill('SIGTERM');
      await exited;
    },
  };
}
