import { describe, expect, it } from 'vitest';
import { CacheError } from './errors.ts';
import { GetIntoSink, PttlIntoSink } from './sink-commands.ts';
import type { BytesSink, RawBytesEntry } from './types.ts';

/** Settles the commands as ioredis does (resolve/reject in reply order) and records what the sink heard. */
function pair(withTtl = true) {
  const heard: ({ answer: RawBytesEntry | null } | { fail: unknown })[] = [];
  const sink: BytesSink = { answer: (entry) => heard.push({ answer: entry }), fail: (err) => heard.push({ fail: err }) };
  const get = new GetIntoSink('k', sink, withTtl);
  const pttl = new PttlIntoSink('k', get);
  return { heard, get, pttl };
}

describe('GetIntoSink and PttlIntoSink', () => {
  it('answer once the PTTL arrives: its TTL, -1 for no expiry, a miss when the key expired between the two (-2)', () => {
    const cases: [Buffer | null, number, RawBytesEntry | null][] = [
      [Buffer.from('"v"'), 1500, { bytes: Buffer.from('"v"'), ttlMs: 1500 }],
      [Buffer.from('"v"'), -1, { bytes: Buffer.from('"v"'), ttlMs: -1 }],
      [Buffer.from('"v"'), -2, null],
      [null, -2, null],
    ];
    for (const [bytes, ms, expected] of cases) {
      const { heard, get, pttl } = pair();
      get.resolve(bytes);
      expect(heard).toEqual([]); // the GET alone does not answer when the TTL was asked for
      pttl.resolve(ms);
      expect(heard).toEqual([{ answer: expected }]);
      expect(get.bytes).toBeNull(); // the value is not held once answered
    }
  });

  it('answer from the GET alone, with a NaN TTL, when the TTL was not asked for', () => {
    const { heard, get } = pair(false);
    get.resolve(Buffer.from('1'));
    expect(heard).toHaveLength(1);
    const entry = (heard[0] as { answer: RawBytesEntry }).answer;
    expect(entry.bytes.toString()).toBe('1');
    expect(entry.ttlMs).toBeNaN();
  });

  it('copy a reply that is a view into a larger read, so an answer does not pin the socket\'s chunk', () => {
    const chunk = Buffer.alloc(4096, 7);
    const { heard, get, pttl } = pair();
    get.resolve(chunk.subarray(100, 200));
    pttl.resolve(10);
    const bytes = (heard[0] as { answer: RawBytesEntry }).answer.bytes;
    expect(bytes.length).toBe(100);
    expect(bytes.buffer).not.toBe(chunk.buffer);
  });

  it('fail once, as a CacheError, whichever of the two fails, and ignore what comes after', () => {
    const getFails = pair();
    getFails.get.reject(Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), { name: 'ReplyError' }));
    getFails.pttl.resolve(100);
    getFails.pttl.reject(new Error('Connection is closed.'));
    expect(getFails.heard).toHaveLength(1);
    expect((getFails.heard[0] as { fail: CacheError }).fail).toMatchObject({ kind: 'wrong_type' });

    const pttlFails = pair();
    pttlFails.get.resolve(Buffer.from('"v"'));
    pttlFails.pttl.reject(new Error('Connection is closed.'));
    pttlFails.pttl.resolve(5);
    expect(pttlFails.heard).toHaveLength(1);
    expect((pttlFails.heard[0] as { fail: CacheError }).fail).toBeInstanceOf(CacheError);
    expect((pttlFails.heard[0] as { fail: CacheError }).fail).toMatchObject({ kind: 'unavailable' });
  });

  it('mark themselves settled as ioredis\' own commands do, so its timeout does not fire on them', () => {
    const { get, pttl } = pair();
    get.resolve(null);
    pttl.reject(new Error('x'));
    const flags = (c: unknown) => [(c as { isSettled: boolean }).isSettled, (c as { isResolved: boolean }).isResolved];
    expect(flags(get)).toEqual([true, true]);
    expect(flags(pttl)).toEqual([true, false]);
  });
});
