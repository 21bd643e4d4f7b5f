import type { ServerResponse } from 'node:http';

export const PING_INTERVAL_MS = 15_000;

export interface SseTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface SseOptions {
  /** Between `: ping` comments, which keep idle proxies and load balancers from closing the stream. Default 15 s. */
  pingMs?: number;
  /** Injected in tests. Default: the global timers (the ping timer is unref'd so it never holds the process open). */
  timers?: SseTimers;
}

export interface SseWriter {
  /** Writes `event: <type>` / `data: <json>`. Does nothing once the stream is closed or the client has gone. */
  send(event: { type: string; data: unknown }): void;
  /** Ends the stream (idempotent). */
  close(): void;
  /** Aborts when the client goes away before `close()`: hand it to the work that feeds the stream. */
  readonly signal: AbortSignal;
  /** True once closed or once the client has gone. */
  readonly closed: boolean;
}

const EVENT_TYPE = /^[A-Za-z0-9_.-]+$/;

const globalTimers: SseTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/**
 * Opens a server-sent-events stream on a Node response (an express Response
 * is one): 200 with the SSE headers sent at once, then frames as they come.
 * Headers already set on `res` (helmet's, for instance) are kept. Writes
 * after the client has gone are dropped, never thrown.
 */
export function openSse(res: ServerResponse, options: SseOptions = {}): SseWriter {
  const timers = options.timers ?? globalTimers;
  const gone = new AbortController();
  let ended = false;
  let ping: unknown;
  const usable = () => !ended && !res.destroyed && !res.writableEnded;
  const write = (frame: string) => {
    if (!usable()) return;
    try { res.write(frame); } catch { /* the socket went away between the check and the write */ }
  };
  const stopPing = () => {
    if (ping !== undefined) timers.clearInterval(ping);
    ping = undefined;
  };
  res.once('close', () => {
    stopPing();
    if (!ended) gone.abort();
  });

  if (usable()) {
    res.statusCode = 200;
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    // nginx (and ingress-nginx) buffer responses unless told not to; an SSE stream must leave token by token.
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    ping = timers.setInterval(() => write(': ping\n\n'), options.pingMs ?? PING_INTERVAL_MS);
    (ping as { unref?: () => void } | undefined)?.unref?.();
  } else {
    gone.abort();
  }

  return {
    send(event) {
      if (!EVENT_TYPE.test(event.type)) throw new TypeError(`invalid SSE event type "${event.type}"`);
      // JSON.stringify escapes line breaks, so one data line always holds the whole payload.
      write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    },
    close() {
      stopPing();
      if (!usable()) { ended = true; return; }
      ended = true;
      try { res.end(); } catch { /* already gone */ }
    },
    get signal() { return gone.signal; },
    get closed() { return !usable(); },
  };
}
