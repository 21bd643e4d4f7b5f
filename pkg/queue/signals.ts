import type { Redis } from 'ioredis';
import { SIGNALS_LUA } from './signals-script.ts';
import { QueueError, invalidArgument } from './errors.ts';
import { LuaScript } from './script.ts';

/** Job counts per BullMQ state, read in one Lua call. */
export interface QueueCounts {
  /** `wait` list: ready, not prioritized. */
  waiting: number;
  /** `prioritized` zset: ready, with a priority. */
  prioritized: number;
  /** `delayed` zset: all delayed jobs, due or not (includes retries in backoff). */
  delayed: number;
  /** Delayed jobs whose ready time has passed but that no worker has promoted yet. */
  delayedDue: number;
  /** `active` list: jobs a worker holds. */
  active: number;
  /** Legacy `paused` list (BullMQ < 5 kept a paused queue's jobs there; BullMQ 5+ keeps them in `wait`). */
  paused: number;
  /** `waiting-children` zset: parents waiting on their children (not ready). */
  waitingChildren: number;
  completed: number;
  failed: number;
}

export interface QueueSignals {
  queue: string;
  prefix: string;
  /** ms epoch: the `now` the reading is computed at. */
  readAt: number;
  counts: QueueCounts;
  /**
   * Jobs a worker could start now: `waiting + prioritized + delayedDue + paused`.
   * The legacy paused list is included so the figure does not depend on the
   * BullMQ version that paused the queue; a paused queue still has a backlog,
   * and `isPaused` tells a scaler to hold.
   */
  readyBacklog: number;
  /** Age in seconds of the oldest ready job since it became ready; 0 when none. */
  oldestReadyAgeSeconds: number;
  /** The queue is paused (`meta.paused`): workers take nothing. */
  isPaused: boolean;
}

export interface ReadSignalsOptions {
  /** Queue name, as given to BullMQ's `Queue`/`Worker`. */
  name: string;
  /** BullMQ key prefix. Default `'bull'`. */
  prefix?: string;
  /** ms epoch to compute due delayed jobs and ages against. Default `Date.now()`. */
  now?: number;
  /**
   * Distinct priority levels examined for the oldest prioritized job (each
   * level costs one O(log n) lookup). Default 32; beyond it the oldest job of
   * the lowest priorities may be missed.
   */
  maxPriorityBands?: number;
}

const SCRIPT = new LuaScript(SIGNALS_LUA);
const KEY_SUFFIXES = ['wait', 'paused', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed', 'meta'] as const;

/** Raw reply of the Lua script, in its order. */
export type RawSignals = [number, number, number, number, number, number, number, number, number, number, string];

/** Pure: the script's reply to `QueueSignals`. */
export function toSignals(raw: RawSignals, queue: string, prefix: string, now: number): QueueSignals {
  const [waiting, paused, prioritized, delayed, delayedDue, active, waitingChildren, completed, failed, isPaused, oldest] = raw.map(Number);
  const counts: QueueCounts = { waiting, prioritized, delayed, delayedDue, active, paused, waitingChildren, completed, failed };
  const readyBacklog = waiting + prioritized + delayedDue + paused;
  const oldestReadyAgeSeconds = readyBacklog > 0 && oldest >= 0 ? Math.max(0, now - oldest) / 1000 : 0;
  return { queue, prefix, readAt: now, counts, readyBacklog, oldestReadyAgeSeconds, isPaused: isPaused === 1 };
}

/** Queue names: 1–256 characters, no whitespace. */
export function validateQueueName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) throw invalidArgument('queue name must be a non-empty string of at most 256 characters');
  if (/[\s]/.test(name)) throw invalidArgument('queue name must not contain whitespace');
  return name;
}

/**
 * Reads a queue's counts, ready backlog and oldest-ready age in ONE round trip
 * (EVALSHA, falling back to EVAL once when the script is not cached). Bounded
 * in time by the connection's own settings (`commandTimeout`,
 * `maxRetriesPerRequest`): pass a connection configured for how long a
 * collector may wait. Never scans keys.
 */
export async function readQueueSignals(redis: Redis, opts: ReadSignalsOptions): Promise<QueueSignals> {
  const name = validateQueueName(opts.name);
  const prefix = opts.prefix ?? 'bull';
  if (typeof prefix !== 'string' || prefix.length === 0) throw invalidArgument('prefix must be a non-empty string');
  const now = opts.now ?? Date.now();
  if (!Number.isSafeInteger(now) || now < 0) throw invalidArgument('now must be a ms epoch (a non-negative safe integer)');
  const bands = opts.maxPriorityBands ?? 32;
  if (!Number.isInteger(bands) || bands < 1 || bands > 1024) throw invalidArgument('maxPriorityBands must be an integer from 1 to 1024');
  const base = `${prefix}:${name}:`;
  const keys = KEY_SUFFIXES.map((s) => base + s);
  const args = [String(now), base, String(bands)];
  let reply: unknown;
  try {
    reply = await SCRIPT.run(redis, keys, args);
  } catch (err) {
    throw unavailable(err);
  }
  if (!Array.isArray(reply) || reply.length !== 11) throw new QueueError('bad_reply', 'unexpected reply from the queue signals script');
  return toSignals(reply as RawSignals, name, prefix, now);
}

function unavailable(err: unknown): QueueError {
  const message = err instanceof Error ? err.message : String(err);
  return new QueueError('redis_unavailable', `reading queue state failed: ${message}`, { cause: err });
}
