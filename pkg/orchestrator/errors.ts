import { HttpError } from '#pkg/http/index.ts';

/**
 * The refusal of a `POST /api/chat` body: an HttpError, because it is the
 * chat edge's own error, not a domain one. Only `parseChatRequest` throws it,
 * and that function is the HTTP request check (as pkg/http's `parseJson` is);
 * the orchestrator's run reports its failures as `error` events instead.
 * Messages name the field at fault, never the caller's text.
 */
export class OrchestratorError extends HttpError {
  declare readonly code: 'invalid_request';
  constructor(message: string) {
    super(400, 'invalid_request', message);
    this.name = 'OrchestratorError';
  }
}
