/**
 * The request body, handed to a callback without a promise and its reactions
 * per request: pkg/http's `readChunks` (the reader behind `readBody`, so the
 * same 413s), except that a request already whole is taken at once.
 *
 * A small request (what `@upstash/redis` sends: headers and a short body in
 * one packet) is whole once the parser is done with the packet that started
 * it: it is then read in one `read()` once the packet is parsed, without switching the
 * stream to flowing mode and its data and end events.
 */
import type { IncomingMessage } from 'node:http';
import { payloadTooLarge, readChunks, type BodyCallback } from '#pkg/http/index.ts';

export function collectBody(req: IncomingMessage, limit: number, done: BodyCallback): void {
  // Not process.nextTick: Node's parser calls into JS once per event (headers, body, end) and runs the
  // tick queue after each, so a tick would come before the body; setImmediate comes after the packet.
  setImmediate(readWhole, req, limit, done);
}

function readWhole(req: IncomingMessage, limit: number, done: BodyCallback): void {
  if (!req.complete || req.readableFlowing) return readChunks(req, limit, done);
  const body = req.readableLength === 0 ? EMPTY : req.read() as Buffer | null ?? EMPTY;
  if (body.length > limit) return done(payloadTooLarge(limit), undefined);
  done(undefined, body);
}

const EMPTY = Buffer.alloc(0);
