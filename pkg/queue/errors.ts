import { HttpError } from '#pkg/http/index.ts';

/**
 * The coded error of pkg/queue: bad arguments (400), unknown queues (404),
 * Redis unreachable (503). It is an `HttpError`, so the health API's
 * `sendError` turns it into `{"error":{"code","message"}}` with its status.
 */
export class QueueError extends HttpError {
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(status, code, message, options);
    this.name = 'QueueError';
  }
}

export const invalidArgument = (message: string) => new QueueError(400, 'invalid_argument', message);
