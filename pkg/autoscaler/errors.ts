/**
 * The autoscaler's coded error: a stable `code`, an HTTP-like `status`
 * (422 for a spec the API server let through but the controller cannot use,
 * 503 for an unreachable metric source, 409 for a conflict) and a message a
 * user can act on. Messages never carry a secret value.
 */
export class AutoscalerError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: string[];
  constructor(status: number, code: string, message: string, options?: { cause?: unknown; problems?: string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AutoscalerError';
    this.status = status;
    this.code = code;
    this.problems = options?.problems ?? [];
  }
}

export function invalidSpec(problems: string[]): AutoscalerError {
  return new AutoscalerError(422, 'INVALID_SPEC', `invalid QueueAutoscaler spec: ${problems.join('; ')}`, { problems });
}
