import type { ServerResponse } from 'node:http';
import { LlmError, type Dialect, type RawAnswer, type Usage } from '#pkg/llm/index.ts';
import type { DialectAdapter } from './dialect.ts';
import { SSE_HEADERS, writeFrame } from './sse.ts';

/**
 * Writing what a provider answered through the raw pass-through back to the
 * caller: the bytes as they came, the provider's safe headers (request id,
 * rate limits) under the proxy's own `x-llm-*`.
 */

/** A non-streaming upstream answer, verbatim. */
export function relayAnswer(res: ServerResponse, answer: RawAnswer, headers: Record<string, string>): void {
  const body = answer.body ?? Buffer.alloc(0);
  res.writeHead(answer.status, { ...answer.headers, ...headers, 'content-length': body.length });
  res.end(body);
}

export interface RelayedStream {
  outcome: 'success' | 'error' | 'aborted';
  /** Usage the stream reported (for metrics), when it did. */
  usage?: Usage;
  /** Why the stream failed after its first byte. */
  errorKind?: string;
}

/** What reads a relayed SSE stream on its way (translate/sse-tap.ts for chat, responses-tap.ts for Responses). */
export interface StreamTap {
  /** Reads a chunk; returns the complete, well-formed frames to send on. */
  push(chunk: Buffer): Buffer;
  /** The last frame, when the stream ended without its blank line. */
  flush(): Buffer;
  readonly done: boolean;
  readonly failed: boolean;
  readonly malformed: boolean;
  readonly usage: Usage | undefined;
}

/** An upstream SSE answer whose first chunk was read and checked, ready to relay. */
export interface RawStream {
  answer: RawAnswer;
  tap: StreamTap;
  /** What the first chunk gives the caller. */
  head: Buffer;
  rest: AsyncIterator<Buffer>;
}

/**
 * Reads the first chunk of a raw stream through its tap (translate/sse-tap.ts); undefined when its first frame is
 * not well formed, so that the attempt fails and is retried before any byte reached the caller.
 */
export async function openRelay(tap: StreamTap, answer: RawAnswer): Promise<RawStream | undefined> {
  if (!answer.chunks) return undefined;
  const rest = answer.chunks[Symbol.asyncIterator]();
  const first = await rest.next();
  const head = first.done ? Buffer.alloc(0) : tap.push(first.value);
  // Nothing well formed before the bad frame: fail the attempt (retried). Some: they are the stream's first events,
  // the answer is committed and the relay ends it with an error event right after them.
  return tap.malformed && head.length === 0 ? undefined : { answer, tap, head, rest };
}

/**
 * Pipes a raw SSE answer to the caller. A stream that is cut, goes idle, is malformed or ends without its terminal
 * event ends with the dialect's error event, never a clean end, as the translated streams do. `onFirstByte` runs once
 * the first bytes are written (time to first token).
 */
export async function relayStream(res: ServerResponse, d: DialectAdapter, s: RawStream, headers: Record<string, string>, onFirstByte?: () => void): Promise<RelayedStream> {
  const { tap, answer } = s;
  res.writeHead(answer.status, { ...SSE_HEADERS, ...answer.headers, ...headers });
  const end = (kind: string, message: string): RelayedStream => {
    res.end(d.encoder('', false).error(`upstream stream failed: ${message}`, kind));
    return { outcome: 'error', usage: tap.usage, errorKind: kind };
  };
  if (tap.done && !tap.malformed) return relayWhole(res, s, onFirstByte);
  try {
    const w = writeFrame(res, s.head);
    // As in the translated path: do not let node:http cork the first token until the next tick.
    if (res.socket?.writableCorked) res.socket.uncork();
    onFirstByte?.();
    if (w) await w;
    if (tap.malformed) return end('malformed', 'malformed event from the provider');
    for (;;) {
      const n = await s.rest.next();
      if (n.done) break;
      if (res.destroyed) return { outcome: 'aborted', usage: tap.usage };
      const p = writeFrame(res, tap.push(n.value));
      if (tap.malformed) return end('malformed', 'malformed event from the provider');
      if (p) await p;
    }
    const last = tap.flush();
    if (res.destroyed) return { outcome: 'aborted', usage: tap.usage };
    if (tap.malformed) return end('malformed', 'malformed event from the provider');
    if (tap.failed) { res.end(last.length ? last : undefined); return { outcome: 'error', usage: tap.usage, errorKind: 'upstream_error' }; }
    if (tap.done) { res.end(last.length ? last : undefined); return { outcome: 'success', usage: tap.usage }; }
    return end('truncated', 'the stream ended without its final event');
  } catch (err) {
    if (res.destroyed) return { outcome: 'aborted', usage: tap.usage };
    const e = err instanceof LlmError ? err : new LlmError('network', 'stream failed');
    if (e.kind === 'aborted') { res.destroy(); return { outcome: 'aborted', usage: tap.usage }; }
    return end(e.kind, e.message);
  } finally {
    answer.close();
  }
}

/**
 * A stream whose terminal event came in the upstream's first chunk (a short answer): its frames and the end of
 * the response in one write. Written apart, the chunked terminator trailed the first token in a second segment;
 * a client that reads the first token and cancels then found the response unfinished and had to close its
 * connection, and its next request paid for a new one (bench/llm/ttft-cancel.ts counts them). The upstream's
 * remaining bytes are read to the end so its pooled socket is kept too.
 */
async function relayWhole(res: ServerResponse, s: RawStream, onFirstByte?: () => void): Promise<RelayedStream> {
  const { tap, answer } = s;
  res.end(s.head);
  onFirstByte?.();
  try {
    for (;;) if ((await s.rest.next()).done) break;
  } catch {
    // Cut after its terminal event: the caller already has the whole answer.
  } finally {
    answer.close();
  }
  return tap.failed ? { outcome: 'error', usage: tap.usage, errorKind: 'upstream_error' } : { outcome: 'success', usage: tap.usage };
}

/**
 * A final failure in the caller's dialect, with its `status` (failure-status.ts). When a provider of the caller's own dialect answered it, its body goes
 * on as it was (code, param, type, message; secrets masked); otherwise the dialect's error body carries the
 * provider's code, param and type. Either way the provider's request id and rate-limit headers come along, a 429
 * carries the wait, and every other failure says `x-should-retry: false` (the proxy already retried).
 */
export function relayFailure(res: ServerResponse, d: DialectAdapter, e: LlmError, status: number, headers: Record<string, string>, providerDialect: Dialect | undefined): void {
  const out: Record<string, string> = { ...headers };
  if (status === 429) {
    // The SDK's own backoff reads these: let it decide (no x-should-retry: false on a rate limit).
    delete out['x-should-retry'];
    if (e.retryAfterMs !== undefined) {
      out['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
      out['retry-after-ms'] = String(Math.round(e.retryAfterMs));
    }
  }
  const up = e.upstream;
  if (res.headersSent || res.destroyed) return;
  if (up && status === up.status && providerDialect === d.name) {
    res.writeHead(status, { ...up.headers, ...out, 'content-length': up.body.length });
    res.end(up.body);
    return;
  }
  const ids: Record<string, string> = {};
  if (up) for (const [k, v] of Object.entries(up.headers)) if (k !== 'content-type') ids[k] = v;
  const payload = JSON.stringify(d.errorBody(status, e.code, e.message, e.param, d.name === 'openai' ? e.upstreamType : undefined));
  res.writeHead(status, { ...ids, ...out, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
