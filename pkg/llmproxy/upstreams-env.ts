import { readFileSync } from 'node:fs';
import { parseUpstreams, UpstreamsError, type UpstreamsConfig } from '#pkg/llm/upstreams/index.ts';

export interface UpstreamsEnv {
  config?: UpstreamsConfig;
  /** The variable at fault and why, for ConfigError. */
  invalid?: { name: string; reason: string };
}

/**
 * `LLM_UPSTREAMS` (JSON in the variable) or `LLM_UPSTREAMS_FILE` (a mounted YAML or JSON file; `.json` is read
 * as JSON, anything else as YAML, which JSON also is). Neither set: no named upstreams.
 */
export function readUpstreamsEnv(env: NodeJS.ProcessEnv): UpstreamsEnv {
  const inline = env.LLM_UPSTREAMS?.trim();
  const file = env.LLM_UPSTREAMS_FILE?.trim();
  if (inline && file) return { invalid: { name: 'LLM_UPSTREAMS', reason: 'set LLM_UPSTREAMS or LLM_UPSTREAMS_FILE, not both' } };
  if (!inline && !file) return {};
  const name = inline ? 'LLM_UPSTREAMS' : 'LLM_UPSTREAMS_FILE';
  try {
    let text = inline;
    if (!text) {
      try { text = readFileSync(file!, 'utf8'); } catch (err) { return { invalid: { name, reason: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` } }; }
    }
    return { config: parseUpstreams(text, inline || file!.endsWith('.json') ? 'json' : 'yaml', env) };
  } catch (err) {
    if (err instanceof UpstreamsError) return { invalid: { name, reason: err.message } };
    throw err;
  }
}
