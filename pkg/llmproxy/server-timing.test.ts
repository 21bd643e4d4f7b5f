import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestTiming, serverTimingHeader, timeServerResponse, timingOf, type TimingSplit } from './server-timing.ts';

describe('serverTimingHeader', () => {
  it('writes the W3C form in ms, ttfb only for streams, never a negative duration', () => {
    expect(serverTimingHeader({ proxyMs: 0.41234, upstreamMs: 3.1 })).toBe('proxy;dur=0.412, upstream;dur=3.100');
    expect(serverTimingHeader({ proxyMs: -0.0001, upstreamMs: 2, ttfbMs: 2.5 })).toBe('proxy;dur=0.000, upstream;dur=2.000, ttfb;dur=2.500');
  });
});

describe('RequestTiming', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('counts the bracketed intervals as upstream and the rest as the proxy\'s, an open interval up to now', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const t = new RequestTiming();
    vi.advanceTimersByTime(2);
    const end = t.upstream();
    vi.advanceTimersByTime(10);
    end();
    end(); // idempotent
    vi.advanceTimersByTime(1);
    expect(t.split(false)).toEqual({ proxyMs: 3, upstreamMs: 10 });
    t.upstream();
    vi.advanceTimersByTime(5);
    expect(t.split(true)).toEqual({ proxyMs: 3, upstreamMs: 15, ttfbMs: 18 });
  });
});

describe('timeServerResponse', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  const serve = async (handler: (res: http.ServerResponse) => void): Promise<Response> => {
    server = http.createServer((_req, res) => handler(res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  };

  it('puts the header on an explicit head and hands the split to the sink, with ttfb for an event stream', async () => {
    const splits: TimingSplit[] = [];
    const res = await serve((r) => {
      const t = timeServerResponse(r, (s) => splits.push(s));
      expect(timingOf(r)).toBe(t);
      t.upstream()();
      r.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: x\n\n');
    });
    expect(res.headers.get('server-timing')).toMatch(/^proxy;dur=\d+\.\d{3}, upstream;dur=\d+\.\d{3}, ttfb;dur=\d+\.\d{3}$/);
    await res.text();
    expect(splits).toHaveLength(1);
    expect(splits[0].ttfbMs).toBeGreaterThanOrEqual(splits[0].upstreamMs);
  });

  it('puts it on the implicit head of end() too, without ttfb for a JSON answer', async () => {
    const res = await serve((r) => { timeServerResponse(r); r.statusCode = 400; r.setHeader('content-type', 'application/json'); r.end('{}'); });
    expect(res.status).toBe(400);
    expect(res.headers.get('server-timing')).toMatch(/^proxy;dur=\d+\.\d{3}, upstream;dur=0\.000$/);
  });
});
