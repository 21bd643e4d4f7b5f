/**
 * Lua scripts shared by the redis and upstash backends. Every script touches
 * only keys of one tenant (one hash slot), so they run in a Redis Cluster too.
 */
import { CacheError } from './errors.ts';
import { tenantPrefix, validateTenant } from './keys.ts';
import { validateTxOps } from './validate.ts';
import type { RawEntry, TxOp, TxResult } from './types.ts';

/** GET and PTTL of many keys of one tenant: one `{json, pttl}` or nil per key, atomically. */
export const MGET_SCRIPT = `local out = {}
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v then out[i] = {v, redis.call('PTTL', KEYS[i])} else out[i] = false end
end
return out`;

/**
 * A transaction that is all or nothing. Redis MULTI/EXEC does not roll back
 * when a command fails at run time (INCR of a non-integer), so the script
 * first simulates the ops on a shadow of the keys they touch and refuses the
 * whole transaction before writing anything. KEYS[i] is op i's key; ARGV
 * carries three fields per op: name, a, b (set: json, ttl ms; incr: by;
 * expire: ttl ms). Integers are kept within ±(2^53−1), what JSON and
 * JavaScript represent exactly.
 */
export const TX_SCRIPT = `local n = #KEYS
local shadow = {}
local LIMIT = 9007199254740991
for i = 1, n do
  local k = KEYS[i]
  local op = ARGV[3 * i - 2]
  if op == 'set' then
    shadow[k] = ARGV[3 * i - 1]
  elseif op == 'del' then
    shadow[k] = false
  elseif op == 'get' or op == 'incr' then
    local cur = shadow[k]
    if cur == nil then
      local t = redis.call('TYPE', k)['ok']
      if t ~= 'string' and t ~= 'none' then return redis.error_reply('PFTX_WRONGTYPE ' .. (i - 1)) end
      cur = redis.call('GET', k)
      shadow[k] = cur
    end
    if op == 'incr' then
      local v = 0
      if cur then
        if #cur > 17 or not (cur == '0' or string.match(cur, '^%-?[1-9]%d*$')) then return redis.error_reply('PFTX_WRONGTYPE ' .. (i - 1)) end
        v = tonumber(cur)
      end
      v = v + tonumber(ARGV[3 * i - 1])
      if v > LIMIT or v < -LIMIT then return redis.error_reply('PFTX_WRONGTYPE ' .. (i - 1)) end
      shadow[k] = string.format('%.0f', v)
    end
  end
end
local out = {}
for i = 1, n do
  local k = KEYS[i]
  local op = ARGV[3 * i - 2]
  if op == 'get' then
    local v = redis.call('GET', k)
    if v then out[i] = {v, redis.call('PTTL', k)} else out[i] = false end
  elseif op == 'set' then
    out[i] = redis.call('SET', k, ARGV[3 * i - 1], 'PX', ARGV[3 * i])
  elseif op == 'del' then
    out[i] = redis.call('DEL', k)
  elseif op == 'incr' then
    out[i] = redis.call('INCRBY', k, ARGV[3 * i - 1])
  else
    out[i] = redis.call('PEXPIRE', k, ARGV[3 * i - 1])
  end
end
return out`;

/** Validates a tenant's transaction; TX_SCRIPT's KEYS and ARGV with each key stored under the tenant's head in `prefix`. */
export function tenantTxScriptArgs(prefix: string, tenantKey: string, ops: TxOp[]): { keys: string[]; args: string[] } {
  validateTenant(tenantKey);
  validateTxOps(ops);
  const head = tenantPrefix(prefix, tenantKey);
  return txScriptArgs(ops, (op) => `${head}${op.scope}:${op.key}`);
}

/** The KEYS and ARGV of TX_SCRIPT for ops whose keys are already encoded. */
export function txScriptArgs(ops: TxOp[], encode: (op: TxOp) => string): { keys: string[]; args: string[] } {
  const keys: string[] = new Array(ops.length);
  const args: string[] = new Array(ops.length * 3);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    keys[i] = encode(op);
    args[3 * i] = op.op;
    switch (op.op) {
      case 'set': args[3 * i + 1] = op.json; args[3 * i + 2] = String(op.ttlMs); break;
      case 'incr': args[3 * i + 1] = String(op.by); args[3 * i + 2] = ''; break;
      case 'expire': args[3 * i + 1] = String(op.ttlMs); args[3 * i + 2] = ''; break;
      default: args[3 * i + 1] = ''; args[3 * i + 2] = ''; break;
    }
  }
  return { keys, args };
}

/** A `{json, pttl}` pair (or nil) of the scripts as a RawEntry. A key that expired between GET and PTTL cannot happen inside a script. */
export function entryOf(reply: unknown): RawEntry | null {
  if (!Array.isArray(reply)) return null;
  const ttl = Number(reply[1]);
  return { json: String(reply[0]), ttlMs: ttl < 0 ? -1 : ttl };
}

/** TX_SCRIPT's reply, decoded op by op. */
export function txResultsOf(ops: TxOp[], reply: unknown): TxResult[] {
  if (!Array.isArray(reply) || reply.length !== ops.length) throw new CacheError('other', 'transaction reply has an unexpected shape');
  return ops.map((op, i): TxResult => {
    const r = reply[i];
    switch (op.op) {
      case 'get': return entryOf(r);
      case 'set': return 'OK';
      case 'expire': return Number(r) === 1;
      default: return Number(r);
    }
  });
}

const TX_WRONGTYPE = /PFTX_WRONGTYPE (\d+)/;

/** The CacheError for a TX_SCRIPT refusal, or undefined when `message` is not one. */
export function txRefusal(message: string, ops: TxOp[]): CacheError | undefined {
  const m = TX_WRONGTYPE.exec(message);
  if (!m) return undefined;
  const i = Number(m[1]);
  return new CacheError('wrong_type', `transaction op ${i} (${ops[i]?.op ?? '?'}): value is not an integer or would overflow, or the key holds a non-string type; nothing was applied`);
}
