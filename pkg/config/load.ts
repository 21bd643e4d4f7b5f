import { cleanEnv, type ValidatorSpec } from 'envalid';
import { PilotfishError } from '#pkg/errors/index.ts';

export type Specs = { [key: string]: ValidatorSpec<unknown> };
type Cleaned<S extends Specs> = { readonly [K in keyof S]: S[K] extends ValidatorSpec<infer T> ? T : never };

/** Thrown when the environment does not satisfy a binary's spec. Names variables, never values. */
export class ConfigError extends PilotfishError {
  declare readonly code: 'CONFIG_INVALID';
  readonly missing: string[];
  readonly invalid: { name: string; reason: string }[];
  constructor(missing: string[], invalid: { name: string; reason: string }[]) {
    const parts = [
      ...missing.map((name) => `missing required environment variable ${name}`),
      ...invalid.map(({ name, reason }) => `invalid environment variable ${name}: ${reason}`),
    ];
    super('CONFIG_INVALID', parts.join('; '));
    this.name = 'ConfigError';
    this.missing = missing;
    this.invalid = invalid;
  }
}

export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === 'production';
}

/**
 * Validates `env` against `specs` with envalid. envalid's default reporter
 * prints and exits; ours collects every problem into one ConfigError so the
 * binary decides how to stop, and so no value ever reaches the message.
 */
export function loadConfig<S extends Specs>(specs: S, env: NodeJS.ProcessEnv = process.env): Cleaned<S> {
  return cleanEnv(env, specs, {
    reporter: ({ errors, env: raw }) => {
      const missing: string[] = [];
      const invalid: { name: string; reason: string }[] = [];
      for (const [name, error] of Object.entries(errors)) {
        if (!error) continue;
        if (error.name === 'EnvMissingError') missing.push(name);
        else invalid.push({ name, reason: reasonOf(error, (raw as Record<string, unknown>)[name]) });
      }
      if (missing.length || invalid.length) throw new ConfigError(missing.sort(), invalid);
    },
  }) as Cleaned<S>;
}

// envalid's own messages quote the offending value (`Invalid port input: "…"`):
// a value may be a secret, so any message that contains it is replaced.
function reasonOf(error: Error, raw: unknown): string {
  const text = error.message || 'invalid value';
  if (typeof raw === 'string' && raw.length > 0 && text.includes(raw)) return 'value does not match the expected format';
  return text.replace(/:\s*"[^"]*"$/, '');
}
