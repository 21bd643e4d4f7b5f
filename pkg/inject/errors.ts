/** A configuration or annotation that cannot be used, with every problem by field path. */
export class InjectionConfigError extends Error {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'InjectionConfigError';
    this.problems = problems;
  }
}
