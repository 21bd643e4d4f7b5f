/**
 * A tap on a passed-through SSE stream: the bytes go on as they came, and the
 * tap reads what metrics and stream integrity need. Pure (no I/O).
 *
 * - Frames are found on the raw bytes (`\n\n` or `\r\n\r\n`) and only
 *   complete frames go on (a partial frame waits for its end, a few bytes).
 *   Each frame's `data:` is parsed once (a JSON.parse of a small object; the
 *   translated path decoded and re-encoded every event): a frame that is not
 *   JSON stops the stream (`malformed`) so the relay ends it with an error
 *   event instead of handing the SDK garbage.
 * - Usage for metrics: OpenAI's usage chunk, Anthropic's `message_start` and
 *   `message_delta`.
 * - `done` is set by the dialect's terminal event (OpenAI `data: [DONE]`,
 *   Anthropic `message_stop`), `failed` by an in-band error event (relayed as
 *   it is: the SDK throws on it). A stream that ends with neither was cut.
 * - `dropUsageChunk` (OpenAI): the proxy asked the upstream for usage the
 *   caller did not ask for; the usage-only chunk (`"choices":[]`) is read and
 *   left out, so the caller sees the stream it asked for.
 */
import type { Dialect, Usage } from '../canonical.ts';

const LF2 = Buffer.from('\n\n');
const CRLF2 = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const DONE = '[DONE]';

export class SseTap {
  readonly #dialect: Dialect;
  readonly #drop: boolean;
  #tail: Buffer = EMPTY;
  #input = 0;
  #output = 0;
  #anIn = 0;
  #anRead = 0;
  #anWrite = 0;
  #sawUsage = false;
  done = false;
  failed = false;
  malformed = false;

  constructor(dialect: Dialect, options: { dropUsageChunk?: boolean } = {}) {
    this.#dialect = dialect;
    this.#drop = options.dropUsageChunk ?? false;
  }

  /** Usage reported by the stream so far, if any. */
  get usage(): Usage | undefined {
    return this.#sawUsage ? { inputTokens: this.#input, outputTokens: this.#output } : undefined;
  }

  /** Reads `chunk`; returns the complete, well-formed frames to send on (the chunk itself in the common case). */
  push(chunk: Buffer): Buffer {
    if (this.malformed) return EMPTY;
    const buf = this.#tail.length ? Buffer.concat([this.#tail, chunk]) : chunk;
    let start = 0;
    let run = 0; // start of the current run of kept frames
    let out: Buffer[] | undefined; // only once a frame was left out
    for (;;) {
      const [end, sep] = boundary(buf, start);
      if (end < 0) break;
      const keep = this.#frame(buf.subarray(start, end));
      if (this.malformed) break;
      if (!keep) {
        out ??= [];
        if (start > run) out.push(buf.subarray(run, start));
        run = end + sep;
      }
      start = end + sep;
    }
    this.#tail = !this.malformed && start < buf.length ? Buffer.from(buf.subarray(start)) : EMPTY;
    if (!out) return start === buf.length ? buf : buf.subarray(0, start);
    if (start > run) out.push(buf.subarray(run, start));
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** What is left at the end of the stream: a last frame without its blank line is read and sent on. */
  flush(): Buffer {
    const rest = this.#tail;
    this.#tail = EMPTY;
    if (!rest.length || this.malformed) return EMPTY;
    return this.#frame(rest) && !this.malformed ? rest : EMPTY;
  }

  /** Reads one frame; false when it is to be left out. */
  #frame(frame: Buffer): boolean {
    const data = dataOf(frame);
    if (data === undefined) return true; // comments, pings without data, event-only lines
    if (data === DONE) { this.done = true; return true; }
    let v: unknown;
    try { v = JSON.parse(data); } catch { this.malformed = true; return false; }
    if (typeof v !== 'object' || v === null) return true;
    const o = v as Record<string, unknown>;
    if (this.#dialect === 'openai') {
      if (o.error !== undefined) { this.failed = true; return true; }
      const u = o.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
      if (u && typeof u === 'object') {
        this.#sawUsage = true;
        this.#input = num(u.prompt_tokens, this.#input);
        this.#output = num(u.completion_tokens, this.#output);
        if (this.#drop && Array.isArray(o.choices) && o.choices.length === 0) return false;
      }
      return true;
    }
    switch (o.type) {
      case 'message_stop': this.done = true; break;
      case 'error': this.failed = true; break;
      case 'message_start': this.#anthropicUsage((o.message as { usage?: unknown } | undefined)?.usage); break;
      case 'message_delta': this.#anthropicUsage(o.usage); break;
    }
    return true;
  }

  #anthropicUsage(u: unknown): void {
    if (!u || typeof u !== 'object') return;
    const x = u as Record<string, unknown>;
    this.#sawUsage = true;
    // Every prompt token, as canonical usage counts them: Anthropic's input_tokens leaves out the cache reads and writes.
    this.#anIn = num(x.input_tokens, this.#anIn);
    this.#anRead = num(x.cache_read_input_tokens, this.#anRead);
    this.#anWrite = num(x.cache_creation_input_tokens, this.#anWrite);
    this.#input = this.#anIn + this.#anRead + this.#anWrite;
    this.#output = num(x.output_tokens, this.#output);
  }
}

/** The end of the next frame from `start`, and the length of its separator; -1 when incomplete. */
function boundary(buf: Buffer, start: number): [number, number] {
  const lf = buf.indexOf(LF2, start);
  if (lf >= 0 && buf[lf - 1] !== 0x0d) return [lf, 2];
  const crlf = buf.indexOf(CRLF2, start);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, 4];
  return [lf, 2];
}

/** The text of a frame's `data:` lines joined, or undefined when it has none. */
function dataOf(frame: Buffer): string | undefined {
  const text = frame.toString('utf8');
  // The common shapes: one `data: …` line (OpenAI), or `event: …` then one `data: …` line (Anthropic).
  const at = text.startsWith('data:') ? 0 : text.indexOf('\ndata:') + 1;
  if (at === 0 && !text.startsWith('data:')) return undefined;
  if (text.indexOf('\n', at) < 0) return text.slice(at + (text[at + 5] === ' ' ? 6 : 5)).replace(/\r$/, '');
  let data: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('data:')) data = (data === undefined ? '' : `${data}\n`) + line.slice(line[5] === ' ' ? 6 : 5);
  }
  return data;
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Usage of a non-streaming answer body in `dialect`, for metrics; undefined when it has none or is not JSON. */
export function usageOf(dialect: Dialect, body: unknown): Usage | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const u = (body as { usage?: Record<string, unknown> }).usage;
  if (typeof u !== 'object' || u === null) return undefined;
  if (dialect === 'openai') return { inputTokens: num(u.prompt_tokens, 0), outputTokens: num(u.completion_tokens, 0) };
  return { inputTokens: num(u.input_tokens, 0) + num(u.cache_read_input_tokens, 0) + num(u.cache_creation_input_tokens, 0), outputTokens: num(u.output_tokens, 0) };
}
