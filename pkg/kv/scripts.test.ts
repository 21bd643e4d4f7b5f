import { describe, expect, it } from 'vitest';
import { entryOf, txRefusal, txResultsOf, txScriptArgs } from './scripts.ts';
import type { TxOp } from './types.ts';

const ops: TxOp[] = [
  { op: 'set', scope: 'a', key: 'k', json: '{"x":1}', ttlMs: 1500 },
  { op: 'incr', scope: 'a', key: 'n', by: -3 },
  { op: 'get', scope: 'b', key: 'k' },
  { op: 'del', scope: 'b', key: 'k' },
  { op: 'expire', scope: 'a', key: 'n', ttlMs: 60_000 },
];

describe('transaction script plumbing', () => {
  it('lays out one key and three args per op', () => {
    const { keys, args } = txScriptArgs(ops, (op) => `p:{t}:${op.scope}:${op.key}`);
    expect(keys).toEqual(['p:{t}:a:k', 'p:{t}:a:n', 'p:{t}:b:k', 'p:{t}:b:k', 'p:{t}:a:n']);
    expect(args).toEqual(['set', '{"x":1}', '1500', 'incr', '-3', '', 'get', '', '', 'del', '', '', 'expire', '60000', '']);
  });

  it('decodes replies per op', () => {
    expect(txResultsOf(ops, ['OK', -3, ['{"x":1}', 1499], 1, 1])).toEqual(['OK', -3, { json: '{"x":1}', ttlMs: 1499 }, 1, true]);
    expect(txResultsOf(ops, ['OK', 1, null, 0, 0])).toEqual(['OK', 1, null, 0, false]);
    expect(() => txResultsOf(ops, ['OK'])).toThrow(/unexpected shape/);
  });

  it('reads entries with no expiry as ttl -1', () => {
    expect(entryOf(['1', -1])).toEqual({ json: '1', ttlMs: -1 });
    expect(entryOf(null)).toBeNull();
  });

  it('turns the script refusal into wrong_type naming the op', () => {
    const err = txRefusal('PFTX_WRONGTYPE 1 script: abc', ops);
    expect(err?.kind).toBe('wrong_type');
    expect(err?.message).toContain('op 1 (incr)');
    expect(txRefusal('ERR other', ops)).toBeUndefined();
  });
});
