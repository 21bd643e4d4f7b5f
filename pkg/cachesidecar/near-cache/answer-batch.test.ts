import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServerResponse } from 'node:http';
import { AnswerBatch } from './answer-batch.ts';

/** A response that records what was written to it. */
function response(log: string[], name: string): ServerResponse {
  let status = 0;
  let headers: Record<string, unknown> = {};
  return {
    writeHead(code: number, h: Record<string, unknown>) { status = code; headers = h; return this; },
    end(body: Buffer) { log.push(`${name} ${status} ${String(headers['x-cache-layer'])} ttl=${String(headers['x-cache-ttl'])} ${body.toString()}`); },
  } as unknown as ServerResponse;
}

describe('AnswerBatch', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('answers the turn\'s first hit at once and the others together at the turn\'s end, in order, then starts again', () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const batch = new AnswerBatch('redis');
    batch.add(response(log, 'a'), Buffer.from('"1"'), 500);
    expect(log).toEqual(['a 200 near ttl=500 "1"']);
    batch.add(response(log, 'b'), Buffer.from('"2"'), undefined);
    batch.add(response(log, 'c'), Buffer.from('"3"'), -1);
    expect(log).toHaveLength(1);
    expect(batch.waiting).toBe(2);
    vi.runOnlyPendingTimers(); // the setImmediate that ends the turn
    expect(log).toEqual(['a 200 near ttl=500 "1"', 'b 200 near ttl=undefined "2"', 'c 200 near ttl=-1 "3"']);
    expect(batch.waiting).toBe(0);
    batch.add(response(log, 'd'), Buffer.from('"4"'), 7); // a new turn: at once again
    expect(log.at(-1)).toBe('d 200 near ttl=7 "4"');
    vi.runOnlyPendingTimers();
    expect(log).toHaveLength(4);
  });

  it('leaves nothing behind when every turn has one hit', () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const batch = new AnswerBatch('upstash');
    for (let i = 0; i < 5; i++) {
      batch.add(response(log, `r${i}`), Buffer.from(String(i)), 1);
      expect(log).toHaveLength(i + 1);
      vi.runOnlyPendingTimers();
    }
    expect(batch.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
