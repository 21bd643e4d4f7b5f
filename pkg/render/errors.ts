import { PilotfishError } from '#pkg/errors/index.ts';

export type RenderErrorCode = 'invalid_job' | 'invalid_template' | 'template_too_large' | 'invalid_data' | 'data_too_large' | 'output_too_large';

/**
 * Bad render input, a domain error: never retried by the worker, answered 400
 * by the app's edge that validates a job before it is queued.
 */
export class RenderError extends PilotfishError {
  declare readonly code: RenderErrorCode;
  /** Read by pkg/queue's error taxonomy: always `validation`. */
  readonly errorType = 'validation';
  constructor(code: RenderErrorCode, message: string) {
    super(code, message);
    this.name = 'RenderValidationError';
  }
}
