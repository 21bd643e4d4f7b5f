import type { IncomingMessage } from 'node:http';
import { HttpError, payloadTooLarge } from './errors.ts';

export type BodyCallback = (err: Error | undefined, body: Buffer | undefined) => void;

/**
 * Reads a request body up to `limit` bytes and hands it to `done`, once. A
 * body over the limit is refused with 413 as soon as it passes the limit (or
 * at once from Content-Length), without buffering the rest. An aborted
 * request calls nothing: there is no one to answer.
 */
export function readChunks(req: IncomingMessage, limit: number, done: BodyCallback): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return done(payloadTooLarge(limit), undefined);
  }
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > limit) {
      failed = true;
      return done(payloadTooLarge(limit), undefined);
    }
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  req.on('end', () => {
    if (failed) return;
    done(undefined, more ? Buffer.concat(more, size) : first ?? EMPTY);
  });
}

const EMPTY = Buffer.alloc(0);

/** `readChunks` as a promise, which also rejects when the request fails (an aborted upload). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    req.on('error', reject);
    readChunks(req, limit, (err, body) => (err ? reject(err) : resolve(body!)));
  });
}

/** Parses JSON or throws a 400 `invalid_json` that does not echo the body. */
export function parseJson(raw: Buffer | string): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
}
