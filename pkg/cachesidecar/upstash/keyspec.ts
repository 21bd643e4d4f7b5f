/**
 * Which arguments of each allowed command are keys: the table that fences a
 * token into its tenant. A command not in the table is refused, so a new
 * Redis command never slips through unrewritten; the ones that reach the
 * server or other tenants are refused with their reason.
 *
 * Positions are indexes into the whole command (`[name, ...args]`).
 */
export type KeySpec =
  /** No key (PING, ECHO). */
  | { kind: 'none' }
  /** Argument 1 is the key. */
  | { kind: 'first' }
  /** Arguments 1 and 2 are keys (source and destination). */
  | { kind: 'two' }
  /** Every argument is a key. */
  | { kind: 'all' }
  /** Arguments 1, 3, 5…: key, value pairs. */
  | { kind: 'pairs' }
  /** A destination at 1, then `numkeys` at 2 and that many keys (ZUNIONSTORE). */
  | { kind: 'destNumkeys' }
  /** `numkeys` at 1, then that many keys (ZUNION, SINTERCARD). */
  | { kind: 'numkeys' }
  /** A script or SHA at 1, `numkeys` at 2, then that many keys (EVAL, EVALSHA). */
  | { kind: 'script' }
  /** SCAN: no key, but MATCH is confined to the tenant and names come back unprefixed. */
  | { kind: 'scan' }
  /** KEYS pattern: confined to the tenant, names come back unprefixed. */
  | { kind: 'keys' }
  /** SCRIPT LOAD | EXISTS. */
  | { kind: 'scriptAdmin' };

const first: KeySpec = { kind: 'first' };
const two: KeySpec = { kind: 'two' };
const all: KeySpec = { kind: 'all' };

const FIRST_KEY = [
  // strings and counters
  'get', 'set', 'setnx', 'setex', 'psetex', 'getset', 'getdel', 'getex', 'append', 'strlen', 'getrange', 'setrange',
  'incr', 'decr', 'incrby', 'decrby', 'incrbyfloat', 'setbit', 'getbit', 'bitcount', 'bitpos',
  // hashes
  'hget', 'hset', 'hsetnx', 'hmset', 'hmget', 'hgetall', 'hdel', 'hexists', 'hincrby', 'hincrbyfloat',
  'hkeys', 'hvals', 'hlen', 'hstrlen', 'hrandfield', 'hscan',
  // lists
  'lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'llen', 'lrange', 'lindex', 'lset', 'lrem', 'ltrim', 'linsert', 'lpos',
  // sets
  'sadd', 'srem', 'smembers', 'sismember', 'smismember', 'scard', 'spop', 'srandmember', 'sscan',
  // sorted sets
  'zadd', 'zrem', 'zscore', 'zmscore', 'zincrby', 'zcard', 'zcount', 'zrange', 'zrangebyscore', 'zrevrange',
  'zrevrangebyscore', 'zrangebylex', 'zrevrangebylex', 'zrank', 'zrevrank', 'zremrangebyrank', 'zremrangebyscore',
  'zremrangebylex', 'zlexcount', 'zpopmin', 'zpopmax', 'zrandmember', 'zscan',
  // expiry and type
  'expire', 'pexpire', 'expireat', 'pexpireat', 'expiretime', 'pexpiretime', 'ttl', 'pttl', 'persist', 'type',
  // HyperLogLog
  'pfadd',
];
const TWO_KEYS = ['rename', 'renamenx', 'rpoplpush', 'lmove', 'smove', 'zrangestore'];
const ALL_KEYS = ['del', 'unlink', 'exists', 'touch', 'mget', 'sinter', 'sunion', 'sdiff', 'sinterstore', 'sunionstore', 'sdiffstore', 'pfcount', 'pfmerge'];

export const KEY_SPECS: ReadonlyMap<string, KeySpec> = new Map<string, KeySpec>([
  ...FIRST_KEY.map((c) => [c, first] as const),
  ...TWO_KEYS.map((c) => [c, two] as const),
  ...ALL_KEYS.map((c) => [c, all] as const),
  ['mset', { kind: 'pairs' }],
  ['msetnx', { kind: 'pairs' }],
  ['zunionstore', { kind: 'destNumkeys' }],
  ['zinterstore', { kind: 'destNumkeys' }],
  ['zdiffstore', { kind: 'destNumkeys' }],
  ['zunion', { kind: 'numkeys' }],
  ['zinter', { kind: 'numkeys' }],
  ['zdiff', { kind: 'numkeys' }],
  ['sintercard', { kind: 'numkeys' }],
  ['zintercard', { kind: 'numkeys' }],
  ['eval', { kind: 'script' }],
  ['evalsha', { kind: 'script' }],
  ['eval_ro', { kind: 'script' }],
  ['evalsha_ro', { kind: 'script' }],
  ['script', { kind: 'scriptAdmin' }],
  ['scan', { kind: 'scan' }],
  ['keys', { kind: 'keys' }],
  ['ping', { kind: 'none' }],
  ['echo', { kind: 'none' }],
]);

/** Why the commands that reach past one tenant are refused: said in the error. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ...['flushall', 'flushdb', 'swapdb', 'dbsize', 'randomkey'].map((c) => [c, 'it acts on the whole database, across tenants'] as const),
  ...['config', 'client', 'debug', 'shutdown', 'save', 'bgsave', 'bgrewriteaof', 'lastsave', 'info', 'monitor', 'slowlog', 'latency',
    'memory', 'module', 'acl', 'replicaof', 'slaveof', 'failover', 'cluster', 'readonly', 'readwrite', 'function', 'fcall', 'fcall_ro',
    'object', 'wait', 'waitaof', 'command', 'hello', 'auth', 'reset', 'quit', 'sync', 'psync', 'lolwut'].map((c) => [c, 'it reaches the server, not data'] as const),
  ['select', 'the database is the sidecar\'s, not the client\'s'],
  ['move', 'the database is the sidecar\'s, not the client\'s'],
  ['copy', 'its DB option reaches other databases'],
  ['migrate', 'it sends keys to another server'],
  ['dump', 'serialized values are not part of the protocol here'],
  ['restore', 'serialized values are not part of the protocol here'],
  ['sort', 'its BY and GET patterns read keys named at run time, outside the tenant'],
  ['sort_ro', 'its BY and GET patterns read keys named at run time, outside the tenant'],
  ...['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'publish', 'spublish', 'pubsub'].map((c) => [c, 'pub/sub channels are shared by every tenant'] as const),
  ...['blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'xread', 'xreadgroup'].map((c) => [c, 'blocking commands would hold the sidecar\'s shared connection'] as const),
  ...['multi', 'exec', 'discard', 'watch', 'unwatch'].map((c) => [c, 'use /multi-exec for a transaction'] as const),
]);

export type Refusal = { refused: string };

/** The spec of an allowed command, or the error text of a refused one. */
export function specOf(name: string): KeySpec | Refusal {
  const spec = KEY_SPECS.get(name);
  if (spec) return spec;
  const why = REFUSED.get(name);
  if (why) return { refused: `ERR '${name}' is refused by the cache sidecar: ${why}` };
  return { refused: `ERR '${name}' is not supported by the cache sidecar's Upstash endpoint (see docs/cache-sidecar.md)` };
}

/**
 * The key positions of an allowed command with its arguments (`command[0]` is
 * the name), or a refusal when a `numkeys` argument is not a count the
 * command actually carries (a key must never be read as a plain argument).
 */
export function keyPositions(spec: KeySpec, command: readonly string[]): number[] | Refusal {
  const n = command.length;
  const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
  switch (spec.kind) {
    case 'none': case 'scan': case 'keys': case 'scriptAdmin': return [];
    case 'first': return n > 1 ? [1] : [];
    case 'two': return range(1, Math.min(n, 3));
    case 'all': return range(1, n);
    case 'pairs': return range(1, n).filter((i) => i % 2 === 1);
    case 'destNumkeys': {
      const count = numkeys(command, 2);
      if (typeof count !== 'number') return count;
      return [1, ...range(3, 3 + count)];
    }
    case 'numkeys': {
      const count = numkeys(command, 1);
      if (typeof count !== 'number') return count;
      return range(2, 2 + count);
    }
    case 'script': {
      const count = numkeys(command, 2);
      if (typeof count !== 'number') return count;
      return range(3, 3 + count);
    }
  }
}

function numkeys(command: readonly string[], at: number): number | Refusal {
  const text = command[at];
  if (text === undefined || !/^(0|[1-9][0-9]{0,5})$/.test(text)) {
    return { refused: `ERR numkeys of '${command[0]}' must be a non-negative integer` };
  }
  const count = Number(text);
  if (at + 1 + count > command.length) return { refused: `ERR numkeys of '${command[0]}' is greater than the number of keys given` };
  return count;
}
