import { PilotfishError } from '#pkg/errors/index.ts';

export type QueueErrorCode =
  | 'invalid_argument'
  | 'unknown_queue'
  | 'already_instrumented'
  | 'unsupported_bullmq'
  | 'bad_reply'
  | 'redis_unavailable';

/**
 * The coded error of pkg/queue, a domain error: bad arguments, unknown
 * queues, instrumenting twice, Redis unreachable or answering oddly. It knows
 * no HTTP; an edge that serves the health routes maps its code to a status.
 */
export class QueueError extends PilotfishError {
  declare readonly code: QueueErrorCode;
  constructor(code: QueueErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'QueueError';
  }
}

export const invalidArgument = (message: string) => new QueueError('invalid_argument', message);
