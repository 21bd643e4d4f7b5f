import { PilotfishError } from '#pkg/errors/index.ts';

/**
 * The autoscaler's domain error: a stable `code` (INVALID_SPEC for a spec the
 * API server let through but the controller cannot use, SPEC_FILE_* for the
 * dry run's input) and a message a user can act on, with every problem listed.
 * It knows no HTTP: the controller reports it in conditions, Events and logs.
 * Messages never carry a secret value.
 */
export class AutoscalerError extends PilotfishError {
  readonly problems: string[];
  constructor(code: string, message: string, options?: { cause?: unknown; problems?: string[] }) {
    super(code, message, { cause: options?.cause });
    this.name = 'AutoscalerError';
    this.problems = options?.problems ?? [];
  }
}

export function invalidSpec(problems: string[]): AutoscalerError {
  return new AutoscalerError('INVALID_SPEC', `invalid QueueAutoscaler spec: ${problems.join('; ')}`, { problems });
}
