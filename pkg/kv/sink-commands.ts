/**
 * GET (and the PTTL sent with it) as ioredis Commands that hand their replies
 * to a sink instead of settling a promise.
 *
 * ioredis builds, per command, a promise, two closures around its settle
 * functions and a callback adapter, and the caller adds a reaction per
 * command; for the sidecar's GET hit that is two commands' worth of promise
 * machinery between Redis' reply and the HTTP answer. These commands override
 * Command's private `initPromise` so none is built: ioredis settles a command
 * by calling `command.resolve(reply)` or `command.reject(err)`, which here are
 * methods that pass the reply on.
 *
 * Reliance on internals (docs/development.md): ioredis' constructor calls
 * `this.initPromise()`, and its reply, error, flush and timeout paths settle a
 * command through the `resolve`/`reject` properties. ioredis is pinned to an
 * exact version; `sink-commands.test.ts` fails by name if either changes. Not
 * for a Cluster, nor while something traces ioredis' commands (both read
 * `command.promise`): RedisStore falls back to the promise path there.
 */
import { Command } from 'ioredis';
import { redisError } from './redis-errors.ts';
import { ownBytes } from './reply-bytes.ts';
import type { BytesSink } from './types.ts';

/** What these commands use of ioredis' Command beyond its public type. */
interface CommandInternals {
  isResolved: boolean;
  isSettled: boolean;
  _clearTimers(): void;
}

type CommandConstructor = new (name: string, args: string[], options: { replyEncoding: BufferEncoding | null }) => CommandInternals;
const BaseCommand = Command as unknown as CommandConstructor;

/** A sink command as what `Redis#sendCommand` takes (it is one: the subclass only overrides how it settles). */
export function asCommand(command: GetIntoSink | PttlIntoSink): Command {
  return command as unknown as Command;
}

/** Marks the command settled the way ioredis' own settle functions do, so its timers and checks agree. */
function settle(command: CommandInternals, resolved: boolean): void {
  command._clearTimers();
  command.isSettled = true;
  command.isResolved = resolved;
}

/** A GET whose bytes go to `sink`, or are held for the PTTL sent after it. */
export class GetIntoSink extends BaseCommand {
  declare sink: BytesSink;
  declare withTtl: boolean;
  declare bytes: Buffer | null;
  /** The sink has been called (by this command, or by its PTTL after it). */
  declare done: boolean;

  constructor(stored: string, sink: BytesSink, withTtl: boolean) {
    super('get', [stored], { replyEncoding: null });
    this.sink = sink;
    this.withTtl = withTtl;
    this.bytes = null;
    this.done = false;
  }

  /** Called by ioredis' constructor: no promise, no closures; the arguments are strings already, so there is nothing to stringify. */
  initPromise(): void {}

  resolve(reply: Buffer | null): void {
    settle(this, true);
    if (this.done) return;
    if (this.withTtl) {
      this.bytes = reply;
      return;
    }
    this.done = true;
    this.sink.answer(reply === null ? null : { bytes: ownBytes(reply), ttlMs: Number.NaN });
  }

  reject(err: Error): void {
    settle(this, false);
    if (this.done) return;
    this.done = true;
    this.sink.fail(redisError(err));
  }
}

/** The PTTL sent right after a GetIntoSink on the same connection: it answers for both. */
export class PttlIntoSink extends BaseCommand {
  declare get: GetIntoSink;

  constructor(stored: string, get: GetIntoSink) {
    super('pttl', [stored], { replyEncoding: 'utf8' });
    this.get = get;
  }

  initPromise(): void {}

  resolve(ms: number): void {
    settle(this, true);
    const get = this.get;
    if (get.done) return;
    get.done = true;
    const bytes = get.bytes;
    get.bytes = null;
    // One connection answers in order, so GET's reply has arrived; -2: the key expired in between.
    get.sink.answer(bytes === null || ms === -2 ? null : { bytes: ownBytes(bytes), ttlMs: ms < 0 ? -1 : ms });
  }

  reject(err: Error): void {
    settle(this, false);
    const get = this.get;
    if (get.done) return;
    get.done = true;
    get.bytes = null;
    get.sink.fail(redisError(err));
  }
}
