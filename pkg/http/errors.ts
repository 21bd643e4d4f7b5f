import { PilotfishError } from '#pkg/errors/index.ts';

/**
 * The PilotfishError of an HTTP edge itself (a bad body, an unknown route, a
 * missing token): it always has its `status`, and may add response headers.
 * Domain errors do not extend it; an edge maps their codes (`httpStatusOf`).
 */
export class HttpError extends PilotfishError {
  declare readonly status: number;
  readonly headers?: Record<string, string>;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(code, message, { cause: options?.cause, status });
    this.name = 'HttpError';
    this.headers = options?.headers;
  }
}

export const notFound = (message = 'no such route') => new HttpError(404, 'not_found', message);
export const methodNotAllowed = (allow: string[]) =>
  new HttpError(405, 'method_not_allowed', `method not allowed; use ${allow.join(', ')}`, { headers: { allow: allow.join(', ') } });
export const payloadTooLarge = (limit: number) => new HttpError(413, 'payload_too_large', `body exceeds ${limit} bytes`);
export const unauthorized = () => new HttpError(401, 'unauthorized', 'missing or invalid bearer token', { headers: { 'www-authenticate': 'Bearer' } });
