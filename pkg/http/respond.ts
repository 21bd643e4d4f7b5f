import type { ServerResponse } from 'node:http';
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

/** Answers an error as `{"error":{"code","message"}}`; unknown errors become a 500 that reveals nothing. */
export function sendError(res: ServerResponse, err: unknown, headers?: Record<string, string | number>): void {
  const httpError = err instanceof HttpError ? err : new HttpError(500, 'internal', 'internal error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, httpError.status, httpError.toJSON(), { ...httpError.headers, ...headers });
}
