/**
 * A tap on a passed-through OpenAI Responses SSE stream, the counterpart of sse-tap.ts for the chat endpoints: the bytes go
 * on as they came; the tap finds complete frames, parses each `data:` once,
 * and reads what the relay needs. Pure (no I/O).
 *
 * Responses streams have no `[DONE]`: their terminal events are
 * `response.completed`, `response.incomplete` and `response.failed` (which
 * also carry the usage); an `error` event, or `response.failed`, is a failed
 * stream, relayed as it is (the SDKs raise it).
 */
import type { Usage } from '../canonical.ts';

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class ResponsesTap {
  #tail: Buffer = EMPTY;
  #usage: Usage | undefined;
  done = false;
  failed = false;
  malformed = false;

  get usage(): Usage | undefined {
    return this.#usage;
  }

  push(chunk: Buffer): Buffer {
    if (this.malformed) return EMPTY;
    const buf = this.#tail.length ? Buffer.concat([this.#tail, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const [end, sep] = frameEnd(buf, start);
      if (end < 0) break;
      this.#frame(buf.subarray(start, end));
      if (this.malformed) break;
      start = end + sep;
    }
    this.#tail = !this.malformed && start < buf.length ? Buffer.from(buf.subarray(start)) : EMPTY;
    return start === buf.length ? buf : buf.subarray(0, start);
  }

  flush(): Buffer {
    const rest = this.#tail;
    this.#tail = EMPTY;
    if (!rest.length || this.malformed) return EMPTY;
    this.#frame(rest);
    return this.malformed ? EMPTY : rest;
  }

  #frame(frame: Buffer): void {
    let data: string | undefined;
    for (const line of frame.toString('utf8').split(/\r?\n/)) {
      if (line.startsWith('data:')) data = (data === undefined ? '' : `${data}\n`) + line.slice(line[5] === ' ' ? 6 : 5);
    }
    if (data === undefined) return;
    let v: unknown;
    try { v = JSON.parse(data); } catch { this.malformed = true; return; }
    if (typeof v !== 'object' || v === null) return;
    const o = v as { type?: unknown; response?: { usage?: unknown } };
    switch (o.type) {
      case 'response.completed': case 'response.incomplete':
        this.done = true; this.#read(o.response?.usage); break;
      case 'response.failed':
        this.done = true; this.failed = true; this.#read(o.response?.usage); break;
      case 'error':
        this.failed = true; break;
    }
  }

  #read(u: unknown): void {
    if (!u || typeof u !== 'object') return;
    const x = u as Record<string, unknown>;
    this.#usage = { inputTokens: typeof x.input_tokens === 'number' ? x.input_tokens : 0, outputTokens: typeof x.output_tokens === 'number' ? x.output_tokens : 0 };
  }
}

/** End of the next frame from `start` (its blank line), and the separator's length; -1 when incomplete. */
function frameEnd(buf: Buffer, start: number): [number, number] {
  for (let i = buf.indexOf(LF, start); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === LF) return [i, 2];
    if (buf[i + 1] === CR && buf[i + 2] === LF) return [i, 3];
  }
  return [-1, 0];
}
