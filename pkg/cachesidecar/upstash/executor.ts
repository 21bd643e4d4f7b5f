/**
 * Runs already-fenced commands on the sidecar's Redis connection. A command
 * Redis refuses (a reply error) is the client's to see; anything else (no
 * connection, a closed socket) means the backend is unavailable.
 */
import type { Cluster, Redis } from 'ioredis';

export type Settled = { ok: true; value: unknown } | { ok: false; error: Error };

export interface UpstashExecutor {
  one(args: string[]): Promise<unknown>;
  /** Non-atomic, in order; one outcome per command. */
  many(commands: string[][]): Promise<Settled[]>;
  /** MULTI/EXEC; rejects as a whole when Redis discards the transaction (EXECABORT). */
  atomic(commands: string[][]): Promise<Settled[]>;
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
 * ioredis reshapes some replies by lower-case command name (HGETALL into an
 * object, which loses field order and can't be told from a JSON reply): names
 * go out upper-case, which Redis reads the same and ioredis leaves raw.
 */
const send = (client: Redis | Cluster, c: string[]): Promise<unknown> => client.call(c[0].toUpperCase(), ...c.slice(1));

export function redisExecutor(client: Redis | Cluster): UpstashExecutor {
  return {
    one: (args) => send(client, args),
    // Auto-pipelining writes these in one batch on the one connection, in order.
    many: (commands) => Promise.all(commands.map((c) => send(client, c).then(
      (value): Settled => ({ ok: true, value }),
      (error: Error): Settled => {
        if (!isCommandError(error)) throw error;
        return { ok: false, error };
      },
    ))),
    atomic: async (commands) => {
      const multi = client.multi();
      for (const c of commands) multi.call(c[0].toUpperCase(), ...c.slice(1));
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
