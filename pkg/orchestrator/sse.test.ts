import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse, PING_INTERVAL_MS, type SseTimers, type SseWriter } from './sse.ts';

interface FakeTimers extends SseTimers { tick?: () => void; ms?: number; unrefd: boolean; cleared: boolean }

function fakeTimers(): FakeTimers {
  const t: FakeTimers = {
    unrefd: false,
    cleared: false,
    setInterval(fn, ms) { t.tick = fn; t.ms = ms; return { unref: () => { t.unrefd = true; } }; },
    clearInterval() { t.cleared = true; },
  };
  return t;
}

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A loopback server whose one route opens an SSE stream and hands it to `onOpen`. */
async function serve(onOpen: (sse: SseWriter, res: ServerResponse) => void, timers: SseTimers): Promise<string> {
  server = http.createServer((_req, res) => {
    res.setHeader('x-frame-options', 'DENY');
    onOpen(openSse(res, { timers }), res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url, resolve).on('error', reject));
}

async function readAll(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const c of res) body += String(c);
  return body;
}

describe('openSse', () => {
  it('sends the SSE headers at once, keeps headers set before, and frames each event', async () => {
    const timers = fakeTimers();
    let writer: SseWriter | undefined;
    const url = await serve((sse) => { writer = sse; }, timers);
    const res = await get(url);
    // The headers arrived before any event was sent: flushHeaders did its job.
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers['x-frame-options']).toBe('DENY');
    writer!.send({ type: 'token', data: { text: 'line one\nline two' } });
    timers.tick!();
    writer!.send({ type: 'done', data: { rounds: 1 } });
    writer!.close();
    writer!.close();
    expect(await readAll(res)).toBe('event: token\ndata: {"text":"line one\\nline two"}\n\n: ping\n\nevent: done\ndata: {"rounds":1}\n\n');
    expect(writer!.closed).toBe(true);
    expect(writer!.signal.aborted).toBe(false);
  });

  it('pings every 15 s on an unref\'d timer, stopped by close()', async () => {
    const timers = fakeTimers();
    let writer: SseWriter | undefined;
    const res = await get(await serve((sse) => { writer = sse; }, timers));
    expect(timers.ms).toBe(PING_INTERVAL_MS);
    expect(PING_INTERVAL_MS).toBe(15_000);
    expect(timers.unrefd).toBe(true);
    expect(timers.cleared).toBe(false);
    writer!.close();
    expect(timers.cleared).toBe(true);
    expect(await readAll(res)).toBe('');
  });

  it('aborts its signal when the client goes, then drops writes without throwing', async () => {
    const timers = fakeTimers();
    let writer: SseWriter | undefined;
    let serverRes: ServerResponse | undefined;
    const errors: unknown[] = [];
    const opened = new Promise<void>((resolve) => {
      void serve((sse, res) => { writer = sse; serverRes = res; res.on('error', (e) => errors.push(e)); resolve(); }, timers).then((url) => {
        const req = http.get(url, (res) => { res.once('data', () => req.destroy()); });
        req.on('error', () => {});
      });
    });
    await opened;
    writer!.send({ type: 'token', data: { text: 'first' } });
    await new Promise<void>((resolve) => writer!.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(writer!.closed).toBe(true);
    expect(timers.cleared).toBe(true);
    expect(() => {
      writer!.send({ type: 'token', data: { text: 'after' } });
      timers.tick!();
      writer!.close();
    }).not.toThrow();
    expect(serverRes!.writableEnded).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([]);
  });

  it('refuses an event type that would break the framing', async () => {
    let writer: SseWriter | undefined;
    const res = await get(await serve((sse) => { writer = sse; }, fakeTimers()));
    expect(() => writer!.send({ type: 'token\ndata: x', data: {} })).toThrow(/invalid SSE event type/);
    writer!.close();
    expect(await readAll(res)).toBe('');
  });
});
