import { afterEach, describe, expect, it } from 'vitest';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, readChunks } from './body.ts';
import { HttpError } from './errors.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => {
  if (!server) return done();
  server.close(() => done());
  server.closeAllConnections(); // the client's keep-alive sockets would hold close() for the server's keep-alive timeout
}));

/** A server that hands each request to `onRequest` and answers 204 once it ends; resolves to its port. */
function serve(onRequest: (req: IncomingMessage) => void): Promise<number> {
  const s = createServer((req, res) => {
    onRequest(req);
    req.on('end', () => res.writeHead(204).end());
  });
  server = s;
  return new Promise((done) => s.listen(0, '127.0.0.1', () => done((s.address() as AddressInfo).port)));
}

/** Sends `chunks` as a chunked body (no Content-Length); `abort` destroys the request after them instead of ending it. */
function send(port: number, chunks: string[], abort = false): void {
  const req = request({ port, host: '127.0.0.1', method: 'POST' });
  req.on('error', () => undefined);
  for (const c of chunks) req.write(c);
  if (abort) setTimeout(() => req.destroy(), 20);
  else req.end();
}

function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => { fire = resolve; });
  return { promise, fire };
}

describe('readChunks and readBody', () => {
  it('hand over a body sent in chunks whole, and refuse one past the limit with a 413, once', async () => {
    const results: unknown[] = [];
    const both = signal();
    const port = await serve((req) => readChunks(req, 8, (err, body) => {
      results.push(err ?? body?.toString());
      if (results.length === 2) both.fire();
    }));
    send(port, ['abc', 'def']);
    send(port, ['abcdef', 'ghi', 'jkl']);
    await both.promise;
    expect(results).toContainEqual('abcdef');
    const refused = results.find((r) => r instanceof HttpError);
    expect(refused).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('readBody rejects an aborted upload, which readChunks leaves unanswered', async () => {
    let chunksCalled = false;
    const outcome = new Promise<unknown>((resolve) => {
      void serve((req) => {
        readChunks(req, 1024, () => { chunksCalled = true; });
        readBody(req, 1024).then(() => resolve('resolved'), resolve);
      }).then((port) => send(port, ['part'], true));
    });
    expect(await outcome).toBeInstanceOf(Error);
    expect(chunksCalled).toBe(false);
  });
});
