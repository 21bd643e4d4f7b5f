/**
 * A transaction op's result in the shape of the sidecar's `_tx` answer, one
 * definition for both sides: the sidecar writes the JSON text (a `get`'s
 * stored value spliced in as stored, never parsed and re-serialised), and the
 * in-process `StoreCache` reads the same text back as a value.
 */
import type { CacheTxResult } from './cache-types.ts';
import type { TxOp, TxResult } from './types.ts';

export function txResultJson(op: TxOp, r: TxResult): string {
  switch (op.op) {
    case 'get':
      return r !== null && typeof r === 'object' ? `{"hit":true,"value":${r.json},"ttlMs":${r.ttlMs}}` : '{"hit":false}';
    case 'set': return `{"ok":true,"ttlMs":${op.ttlMs}}`;
    case 'del': return `{"deleted":${Number(r)}}`;
    case 'incr': return `{"value":${Number(r)}}`;
    // Stores report whether the key existed as a boolean; 1 is Redis's own spelling of it.
    case 'expire': return `{"ok":${r === true || r === 1},"ttlMs":${op.ttlMs}}`;
  }
}

export function txResult(op: TxOp, r: TxResult): CacheTxResult {
  return JSON.parse(txResultJson(op, r)) as CacheTxResult;
}
