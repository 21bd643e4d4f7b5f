/**
 * The LLM proxy's command line as `npm run start:llm-proxy` runs it: the
 * bundle (built here first, as the prestart script builds it) with the start
 * script's Node flags. PROXY_NODE_FLAGS replaces those flags
 * (`PROXY_NODE_FLAGS=` runs with none), to try heap sizes (docs/llm-proxy.md).
 */
import { startCommand } from '../curves/npm-start.ts';
import { buildBinaries } from '../../scripts/build.ts';

let built: Promise<unknown> | undefined;

export async function proxyCommand(): Promise<{ cmd: string; args: string[] }> {
  built ??= buildBinaries(['llm-proxy']);
  await built;
  const { cmd, args } = startCommand('llm-proxy');
  const flags = process.env.PROXY_NODE_FLAGS;
  if (flags === undefined) return { cmd, args };
  return { cmd, args: [...flags.split(' ').filter(Boolean), ...args.filter((a) => !a.startsWith('--'))] };
}
