/**
 * One mapping from errors to the app's answers: `{"error":{"code","message"}}`.
 * An HttpError (the app's own, and pkg/orchestrator's request check) answers
 * with its status; the domain errors of pkg/knowledge and pkg/render with the
 * status this edge gives their code (STATUS_BY_CODE); express's body parser
 * errors are named here; anything else is a 500 whose details go to the log only.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '#pkg/log/index.ts';
import { PilotfishError, httpStatusOf } from '#pkg/errors/index.ts';
import { HttpError } from '#pkg/http/index.ts';
import type { KnowledgeErrorCode } from '#pkg/knowledge/index.ts';
import type { RenderErrorCode } from '#pkg/render/index.ts';

/** The app's status for each code of the domain errors its routes throw; typed so a new code cannot go unmapped. */
const STATUS_BY_CODE: Readonly<Record<KnowledgeErrorCode | RenderErrorCode, number>> = {
  invalid_query: 400,
  invalid_limit: 400,
  invalid_ttl: 400,
  // The index cannot be (re)built from its folder: the service, not the caller, is at fault.
  knowledge_dir_unreadable: 503,
  invalid_job: 400,
  invalid_template: 400,
  template_too_large: 400,
  invalid_data: 400,
  data_too_large: 400,
  output_too_large: 400,
};

export interface ErrorBody { status: number; code: string; message: string; headers?: Record<string, string> }

/** Pure: the answer for an error. */
export function errorAnswer(err: unknown): ErrorBody {
  if (err instanceof HttpError) return { status: err.status, code: err.code, message: err.message, headers: err.headers };
  if (err instanceof PilotfishError && Object.hasOwn(STATUS_BY_CODE, err.code)) {
    return { status: httpStatusOf(err, STATUS_BY_CODE), code: err.code, message: err.message };
  }
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
