import { describe, expect, it } from 'vitest';
import { SseTap, usageOf } from './sse-tap.ts';

const oa = (o: object) => `data: ${JSON.stringify(o)}\n\n`;
const an = (type: string, o: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...o })}\n\n`;

function run(tap: SseTap, text: string, cut: number[]): string {
  const b = Buffer.from(text);
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cut, b.length]) { out.push(tap.push(b.subarray(at, c))); at = c; }
  out.push(tap.flush());
  return Buffer.concat(out).toString();
}

describe('SseTap', () => {
  const openaiStream = oa({ choices: [{ delta: { content: 'hé' } }], usage: null }) + oa({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 3 } } }) + 'data: [DONE]\n\n';

  it('passes OpenAI bytes on unchanged, reads usage across chunk cuts, sees [DONE] and an error frame', () => {
    const tap = new SseTap('openai');
    const out = run(tap, openaiStream, [5, 40, 41, 90]);
    expect(out).toBe(openaiStream);
    expect(tap.usage).toEqual({ inputTokens: 11, outputTokens: 7 });
    expect(tap.done).toBe(true);
    expect(tap.failed).toBe(false);
    const failed = new SseTap('openai');
    failed.push(Buffer.from(oa({ error: { message: 'x' } })));
    expect(failed.failed).toBe(true);
  });

  it('leaves out the usage chunk the caller did not ask for, and only that', () => {
    const tap = new SseTap('openai', { dropUsageChunk: true });
    const out = run(tap, openaiStream, [17, 70]);
    expect(out).toBe(oa({ choices: [{ delta: { content: 'hé' } }], usage: null }) + 'data: [DONE]\n\n');
    expect(tap.usage).toEqual({ inputTokens: 11, outputTokens: 7 });
  });

  it('reads Anthropic usage from message_start and message_delta, CRLF frames too, and notices a cut or an error event', () => {
    const s = an('message_start', { message: { usage: { input_tokens: 13, output_tokens: 1, cache_read_input_tokens: 5 } } })
      + an('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'usage' } })
      + an('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } }).replace(/\n/g, '\r\n');
    const tap = new SseTap('anthropic');
    expect(run(tap, s, [30])).toBe(s);
    // Every prompt token, cache reads included, as OpenAI's prompt_tokens counts them.
    expect(tap.usage).toEqual({ inputTokens: 18, outputTokens: 9 });
    expect(tap.done).toBe(false);
    tap.push(Buffer.from(an('message_stop', {})));
    expect(tap.done).toBe(true);
    const failed = new SseTap('anthropic');
    failed.push(Buffer.from(an('error', { error: { type: 'overloaded_error', message: 'x' } })));
    expect(failed.failed).toBe(true);
  });

  it('stops at a frame that is not JSON, sending on only the frames before it', () => {
    const tap = new SseTap('anthropic');
    const good = an('ping', {});
    expect(tap.push(Buffer.from(`${good}event: content_block_delta\ndata: {"this is": not json\n\n${good}`)).toString()).toBe(good);
    expect(tap.malformed).toBe(true);
    expect(tap.push(Buffer.from(good)).length).toBe(0);
  });

  it('holds a partial frame until its end, and sends a last frame without its blank line at flush', () => {
    const tap = new SseTap('openai');
    const f = oa({ choices: [] });
    expect(tap.push(Buffer.from(f.slice(0, 10))).length).toBe(0);
    expect(tap.push(Buffer.from(f.slice(10) + 'data: [DONE]')).toString()).toBe(f);
    expect(tap.flush().toString()).toBe('data: [DONE]');
    expect(tap.done).toBe(true);
  });
});

describe('usageOf', () => {
  it('reads either dialect, and nothing from a body without usage', () => {
    expect(usageOf('openai', { usage: { prompt_tokens: 1, completion_tokens: 2 } })).toEqual({ inputTokens: 1, outputTokens: 2 });
    expect(usageOf('anthropic', { usage: { input_tokens: 3, output_tokens: 4 } })).toEqual({ inputTokens: 3, outputTokens: 4 });
    expect(usageOf('anthropic', { usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 10, cache_creation_input_tokens: 2 } })).toEqual({ inputTokens: 15, outputTokens: 4 });
    expect(usageOf('openai', 'x')).toBeUndefined();
    expect(usageOf('anthropic', {})).toBeUndefined();
  });
});
