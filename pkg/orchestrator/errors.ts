import { HttpError } from '#pkg/http/index.ts';

/**
 * An HttpError, so the app answers it as every other one (`err.status`,
 * `{"error":{"code","message"}}`). Messages name the field at fault, never
 * the caller's text.
 */
export class OrchestratorError extends HttpError {
  declare readonly code: 'invalid_request';
  constructor(message: string) {
    super(400, 'invalid_request', message);
    this.name = 'OrchestratorError';
  }
}
