import { PilotfishError } from '#pkg/errors/index.ts';

/** A configuration or annotation that cannot be used, with every problem by field path. */
export class InjectionConfigError extends PilotfishError {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super('invalid_injection_config', `${source}: ${problems.join('; ')}`);
    this.name = 'InjectionConfigError';
    this.problems = problems;
  }
}
