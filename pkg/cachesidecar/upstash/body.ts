/**
 * The request body, handed to a callback: the same limits and errors as
 * pkg/http's readBody (413 before reading when Content-Length says too much,
 * 413 as soon as the bytes do), without a promise and its reactions per
 * request. An aborted request calls nothing: there is no one to answer.
 *
 * A small request (what `@upstash/redis` sends: headers and a short body in
 * one packet) is whole once the parser is done with the packet that started
 * it: it is then read in one `read()` once the packet is parsed, without switching the
 * stream to flowing mode and its data and end events.
 */
import type { IncomingMessage } from 'node:http';
import { payloadTooLarge } from '#pkg/http/index.ts';

export type BodyCallback = (err: Error | undefined, body: Buffer | undefined) => void;

export function collectBody(req: IncomingMessage, limit: number, done: BodyCallback): void {
  // Not process.nextTick: Node's parser calls into JS once per event (headers, body, end) and runs the
  // tick queue after each, so a tick would come before the body; setImmediate comes after the packet.
  setImmediate(readWhole, req, limit, done);
}

function readWhole(req: IncomingMessage, limit: number, done: BodyCallback): void {
  if (!req.complete || req.readableFlowing) return collectChunks(req, limit, done);
  const body = req.readableLength === 0 ? EMPTY : req.read() as Buffer | null ?? EMPTY;
  if (body.length > limit) return done(payloadTooLarge(limit), undefined);
  done(undefined, body);
}

function collectChunks(req: IncomingMessage, limit: number, done: BodyCallback): void {
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
