import { describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { PendingGet } from './pending-get.ts';

const res = (id: string) => ({ id }) as unknown as ServerResponse;
const idOf = (r: ServerResponse) => (r as unknown as { id: string }).id;

function recording() {
  const seen: string[] = [];
  const outcomes = {
    timedOut: (r: ServerResponse, m: string) => { seen.push(`timeout ${idOf(r)} ${m}`); },
    answered: (r: ServerResponse, m: string, t0: number, entry: { bytes: Buffer; ttlMs: number } | null) => {
      seen.push(`answer ${idOf(r)} ${m} t0=${t0} ${entry === null ? 'miss' : `${entry.bytes.toString()} ttl=${entry.ttlMs}`}`);
    },
    failed: (r: ServerResponse, scope: string, err: unknown) => { seen.push(`fail ${idOf(r)} ${scope} ${(err as Error).message}`); },
  };
  return { seen, outcomes };
}

describe('PendingGet as the sink of a GET', () => {
  it('passes a hit, a miss or a failure on once, with what the GET started with', () => {
    const { seen, outcomes } = recording();
    const hit = new PendingGet(110, 10, 'docs', res('a'), 'm', outcomes);
    hit.answer({ bytes: Buffer.from('v'), ttlMs: 500 });
    hit.answer(null);
    hit.fail(new Error('late'));
    const miss = new PendingGet(120, 20, 'docs', res('b'), 'm', outcomes);
    miss.answer(null);
    const failed = new PendingGet(130, 30, 'users', res('c'), 'm', outcomes);
    failed.fail(new Error('down'));
    failed.answer(null);
    expect(seen).toEqual(['answer a m t0=10 v ttl=500', 'answer b m t0=20 miss', 'fail c users down']);
    expect([hit.settled, miss.settled, failed.settled]).toEqual([true, true, true]);
  });

  it('ignores the backend once its deadline answered, and the deadline once the backend did', () => {
    const { seen, outcomes } = recording();
    const expired = new PendingGet(100, 0, 's', res('x'), 'm', outcomes);
    expired.expire();
    expired.answer({ bytes: Buffer.from('late'), ttlMs: 1 });
    expired.fail(new Error('late'));
    const answered = new PendingGet(100, 0, 's', res('y'), 'm', outcomes);
    answered.answer(null);
    answered.expire();
    expect(seen).toEqual(['timeout x m', 'answer y m t0=0 miss']);
  });
});
