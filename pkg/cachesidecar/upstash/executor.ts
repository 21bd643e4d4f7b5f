/**
 * Runs already-fenced commands on the sidecar's Redis connection. A command
 * Redis refuses (a reply error) is the client's to see; anything else (no
 * connection, a closed socket) means the backend is unavailable.
 *
 * Replies come back as bytes (`callBuffer`): a value is base64-encoded from
 * its own bytes, exact when it is not UTF-8, and never decoded to a string on
 * the way. An argument may be bytes too (the body of the path form).
 */
import { Command } from 'ioredis';
import type { RedisStore } from '#pkg/kv/index.ts';

export type Settled = { ok: true; value: unknown } | { ok: false; error: Error };

/** A command: its lower-case name, then its arguments. */
export type CommandArgs = readonly (string | Buffer)[];

export interface UpstashExecutor {
  one(args: CommandArgs): Promise<unknown>;
  /** Non-atomic, in order; one outcome per command. */
  many(commands: CommandArgs[]): Promise<Settled[]>;
  /** MULTI/EXEC; rejects as a whole when Redis discards the transaction (EXECABORT). */
  atomic(commands: CommandArgs[]): Promise<Settled[]>;
}

const SERVER_STATE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|MOVED|ASK)\b/;

/** A reply error Redis sent about the command itself, as opposed to the backend failing. */
export function isCommandError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError' && !SERVER_STATE_REPLY.test(err.message);
}

/** The text a client may see: Redis' reply without anything ioredis appends (arguments). */
export function commandErrorText(err: Error): string {
  return err.message.split(', with args')[0].slice(0, 500);
}

/**
 * One command as bytes in, bytes out. Sent as a `Command` of its own rather
 * than through `callBuffer`: with auto-pipelining on (a Cluster store's client
 * has it), ioredis drops the command name of `callBuffer` on the way into its
 * pipeline. Names go out upper-case: ioredis reshapes some replies by
 * lower-case name (HGETALL into an object, which loses field order) and
 * leaves an upper-case one raw. Commands are sent in call order, in the
 * store's write of this event-loop turn, so a client's commands keep their order.
 */
const commandOf = (c: CommandArgs): Command => new Command(upper(c[0]), c.slice(1), { replyEncoding: null });

const UPPER = new Map<string, string>();
/** Command names are few (only allowed ones get here): each is upper-cased once. */
function upper(name: string | Buffer): string {
  const text = String(name);
  let up = UPPER.get(text);
  if (up === undefined) {
    up = text.toUpperCase();
    if (UPPER.size < 512) UPPER.set(text, up);
  }
  return up;
}

export function redisExecutor(store: RedisStore): UpstashExecutor {
  const client = store.client;
  const send = (c: CommandArgs): Promise<unknown> => store.sendCommand(commandOf(c));
  return {
    one: (args) => send(args),
    // Written back to back on the one connection, in order.
    many: (commands) => Promise.all(commands.map((c) => send(c).then(
      (value): Settled => ({ ok: true, value }),
      (error: Error): Settled => {
        if (!isCommandError(error)) throw error;
        return { ok: false, error };
      },
    ))),
    atomic: async (commands) => {
      const multi = client.multi();
      for (const c of commands) multi.callBuffer(upper(c[0]), ...c.slice(1));
      let replies: [Error | null, unknown][] | null;
      try {
        replies = await multi.exec();
      } catch (err) {
        // EXECABORT hides the reason in previousErrors: surface the first one.
        const previous = (err as { previousErrors?: unknown[] }).previousErrors;
        throw previous?.length ? previous[0] : err;
      }
      if (replies === null) throw Object.assign(new Error('EXECABORT Transaction discarded'), { name: 'ReplyError' });
      return replies.map(([error, value]): Settled => (error ? { ok: false, error } : { ok: true, value }));
    },
  };
}
