import { HttpError } from '../http/index.ts';

/** Bad render input: a validation error (400), never retried by the worker. */
export class RenderError extends HttpError {
  /** Read by pkg/queue's error taxonomy: always `validation`. */
  readonly errorType = 'validation';
  constructor(code: string, message: string) {
    super(400, code, message);
    this.name = 'RenderValidationError';
  }
}
