/**
 * The one error type that crosses an HTTP edge: a stable machine `code`, an
 * HTTP `status`, and a message safe to show a caller (never a secret, never a
 * stored value).
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers?: Record<string, string>;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = options?.headers;
  }

  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const notFound = (message = 'no such route') => new HttpError(404, 'not_found', message);
export const methodNotAllowed = (allow: string[]) =>
  new HttpError(405, 'method_not_allowed', `method not allowed; use ${allow.join(', ')}`, { headers: { allow: allow.join(', ') } });
export const payloadTooLarge = (limit: number) => new HttpError(413, 'payload_too_large', `body exceeds ${limit} bytes`);
export const unauthorized = () => new HttpError(401, 'unauthorized', 'missing or invalid bearer token', { headers: { 'www-authenticate': 'Bearer' } });
