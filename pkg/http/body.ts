import type { IncomingMessage } from 'node:http';
import { HttpError, payloadTooLarge } from './errors.ts';

/**
 * Reads a request body up to `limit` bytes. A body over the limit is refused
 * with 413 as soon as it passes the limit (or at once from Content-Length),
 * without buffering the rest.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(payloadTooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => { if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)); });
    req.on('error', (err) => { if (!failed) { failed = true; reject(err); } });
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
