import type { ServerResponse } from 'node:http';

/** The split of one answer's time: the proxy's own and the upstream's, in ms; `ttfbMs` for streams. */
export interface TimingSplit {
  proxyMs: number;
  upstreamMs: number;
  /** Streams: from the request's arrival to the headers, which the first token frame follows at once. */
  ttfbMs?: number;
}

/** Where each split goes besides the header (LlmMetrics.overhead). */
export type TimingSink = (split: TimingSplit) => void;

/** `proxy;dur=0.412, upstream;dur=3.107[, ttfb;dur=3.519]` (W3C Server Timing; durations in ms, µs resolution). */
export function serverTimingHeader(s: TimingSplit): string {
  const dur = (ms: number) => (Math.max(0, ms)).toFixed(3);
  const h = `proxy;dur=${dur(s.proxyMs)}, upstream;dur=${dur(s.upstreamMs)}`;
  return s.ttfbMs === undefined ? h : `${h}, ttfb;dur=${dur(s.ttfbMs)}`;
}

/**
 * One request's clock. `upstream()` brackets the time spent in the gateway (attempts, retries and their waits,
 * fallbacks: all of it is the upstreams' doing); everything else until the headers go out is the proxy's. The
 * split is taken when the head is written, so a stream's header reflects the time to its first byte, not its
 * length: the proxy adds nothing to a stream after that but the copy of each chunk.
 */
export class RequestTiming {
  readonly #t0 = performance.now();
  #upstreamMs = 0;
  #openedAt: number | undefined;

  /** Starts an upstream interval; the returned function ends it (idempotent). */
  upstream(): () => void {
    const at = performance.now();
    this.#openedAt = at;
    return () => {
      if (this.#openedAt !== at) return;
      this.#upstreamMs += performance.now() - at;
      this.#openedAt = undefined;
    };
  }

  split(stream: boolean): TimingSplit {
    const now = performance.now();
    const upstreamMs = this.#upstreamMs + (this.#openedAt === undefined ? 0 : now - this.#openedAt);
    const total = now - this.#t0;
    return stream ? { proxyMs: total - upstreamMs, upstreamMs, ttfbMs: total } : { proxyMs: total - upstreamMs, upstreamMs };
  }
}

const timings = new WeakMap<ServerResponse, RequestTiming>();

/** The clock of the request `res` answers, when timeServerResponse started one. */
export function timingOf(res: ServerResponse): RequestTiming | undefined {
  return timings.get(res);
}

/**
 * Starts the clock of one request and makes every head written for it (writeHead, or the implicit head of
 * `end()`) carry `Server-Timing`, whichever path answers: pass-through, translation, local answers, errors.
 */
export function timeServerResponse(res: ServerResponse, sink?: TimingSink): RequestTiming {
  const timing = new RequestTiming();
  timings.set(res, timing);
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((a) => typeof a === 'object' && a !== null && !Array.isArray(a)) as Record<string, unknown> | undefined;
    const type = String(headers?.['content-type'] ?? this.getHeader('content-type') ?? '');
    const split = timing.split(type.startsWith('text/event-stream'));
    this.setHeader('server-timing', serverTimingHeader(split));
    sink?.(split);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  return timing;
}
