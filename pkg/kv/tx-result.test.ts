import { describe, expect, it } from 'vitest';
import { txResult, txResultJson } from './tx-result.ts';
import type { TxOp, TxResult } from './types.ts';

const at = { scope: 's', key: 'k' };

describe('transaction results', () => {
  it.each<[TxOp, TxResult, unknown]>([
    [{ op: 'get', ...at }, { json: '{"a":[1,2]}', ttlMs: 900 }, { hit: true, value: { a: [1, 2] }, ttlMs: 900 }],
    [{ op: 'get', ...at }, null, { hit: false }],
    [{ op: 'set', ...at, json: '1', ttlMs: 5000 }, 'OK', { ok: true, ttlMs: 5000 }],
    [{ op: 'del', ...at }, 1, { deleted: 1 }],
    [{ op: 'incr', ...at, by: 2 }, 7, { value: 7 }],
    [{ op: 'expire', ...at, ttlMs: 3000 }, true, { ok: true, ttlMs: 3000 }],
    [{ op: 'expire', ...at, ttlMs: 3000 }, 1, { ok: true, ttlMs: 3000 }],
    [{ op: 'expire', ...at, ttlMs: 3000 }, false, { ok: false, ttlMs: 3000 }],
  ])('%j with %j is %j on the wire and in process', (op, r, expected) => {
    expect(JSON.parse(txResultJson(op, r))).toEqual(expected);
    expect(txResult(op, r)).toEqual(expected);
  });

  it('splices a stored value in as stored', () => {
    expect(txResultJson({ op: 'get', ...at }, { json: '{"n":1.50}', ttlMs: -1 })).toBe('{"hit":true,"value":{"n":1.50},"ttlMs":-1}');
  });
});
