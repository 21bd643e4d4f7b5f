import type { Redis } from 'ioredis';
import { LuaScript } from './script.ts';

// Take the lock when free, or extend it when we hold it: one atomic call.
const ACQUIRE = new LuaScript(`
local v = redis.call("GET", KEYS[1])
if v == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0
`);

// Delete only our own lock.
const RELEASE = new LuaScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`);

/**
 * A single-holder lock with a TTL (SET NX PX semantics, renewed by the holder
 * on every tick). If the holder dies, the lock expires after `ttlMs` and the
 * next contender's tick takes it. Safe for electing a metrics collector: two
 * holders for a moment would only duplicate gauges, which are aggregated with
 * `max`.
 */
export class RedisLock {
  readonly key: string;
  readonly owner: string;
  readonly #ttlMs: number;

  constructor(key: string, owner: string, ttlMs: number) {
    this.key = key;
    this.owner = owner;
    this.#ttlMs = ttlMs;
  }

  /** True when this owner holds the lock after the call. */
  async acquireOrRenew(redis: Redis): Promise<boolean> {
    return (await ACQUIRE.run(redis, [this.key], [this.owner, this.#ttlMs])) === 1;
  }

  async release(redis: Redis): Promise<boolean> {
    return (await RELEASE.run(redis, [this.key], [this.owner])) === 1;
  }
}
