import type { ServerResponse } from 'node:http';
import { PilotfishError, httpStatusOf, type StatusByCode } from '#pkg/errors/index.ts';
import { HttpError } from './errors.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string | number>): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Answers an error as `{"error":{"code","message"}}`: an HttpError with its
 * status, a domain PilotfishError with the status this edge gives its code
 * (`statusByCode`); anything else becomes a 500 that reveals nothing.
 */
export function sendError(res: ServerResponse, err: unknown, headers?: Record<string, string | number>, statusByCode: StatusByCode = {}): void {
  const known = err instanceof PilotfishError && (err.status !== undefined || Object.hasOwn(statusByCode, err.code));
  const answer = known ? err : new HttpError(500, 'internal', 'internal error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const own = answer instanceof HttpError ? answer.headers : undefined;
  sendJson(res, httpStatusOf(answer, statusByCode), answer.toJSON(), { ...own, ...headers });
}
