/**
 * One mapping from errors to the app's answers: `{"error":{"code","message"}}`
 * with the error's status. Domain errors of pkg/knowledge, pkg/orchestrator
 * and pkg/render carry `status` and `code`; express's body parser errors are
 * named here; anything else is a 500 whose details go to the log only.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '#pkg/log/index.ts';
import { HttpError } from '#pkg/http/index.ts';

export interface ErrorBody { status: number; code: string; message: string; headers?: Record<string, string> }

/** Pure: the answer for an error. */
export function errorAnswer(err: unknown): ErrorBody {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, headers: err.headers };
  const e = err as { status?: unknown; code?: unknown; type?: unknown; message?: unknown; expose?: unknown } | null;
  if (e && typeof e === 'object') {
    if (e.type === 'entity.parse.failed') return { status: 400, code: 'invalid_json', message: 'request body is not valid JSON' };
    if (e.type === 'entity.too.large') return { status: 413, code: 'payload_too_large', message: 'request body is too large' };
    if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') return { status: 415, code: 'unsupported_encoding', message: 'unsupported body encoding' };
    const status = typeof e.status === 'number' ? e.status : undefined;
    if (status !== undefined && status >= 400 && status < 500 && typeof e.code === 'string' && typeof e.message === 'string') {
      return { status, code: e.code, message: e.message };
    }
    if (status !== undefined && status >= 400 && status < 500 && e.expose === true) {
      return { status, code: 'bad_request', message: typeof e.message === 'string' ? e.message : 'bad request' };
    }
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const answer = errorAnswer(err);
    if (answer.status >= 500) logger.error({ err, route: req.path }, 'request failed');
    if (answer.headers) res.set(answer.headers);
    res.status(answer.status).json({ error: { code: answer.code, message: answer.message } });
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(new HttpError(404, 'not_found', 'no such route'));
