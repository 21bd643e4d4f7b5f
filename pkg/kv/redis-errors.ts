/**
 * Maps what ioredis rejects with onto CacheError kinds. Messages are ours:
 * Redis replies are summarised by their error prefix, never quoted whole.
 */
import { CacheError } from './errors.ts';

const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS|MOVED|ASK)\b/;
const WRONG_TYPE_REPLY = /^WRONGTYPE|not an integer|out of range|overflow/i;

export function redisError(err: unknown, backend = 'redis'): CacheError {
  if (err instanceof CacheError) return err;
  const e = err as { name?: string; message?: string; code?: string };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.name === 'ReplyError') {
    const prefix = message.split(' ', 1)[0];
    if (WRONG_TYPE_REPLY.test(message)) return new CacheError('wrong_type', `${backend}: value is not an integer or the key holds another type`, { cause: err });
    if (UNAVAILABLE_REPLY.test(message)) return new CacheError('unavailable', `${backend} cannot serve now (${prefix})`, { cause: err });
    return new CacheError('other', `${backend} refused the command (${prefix})`, { cause: err });
  }
  if (message === 'Command timed out') return new CacheError('timeout', `${backend} did not answer within the command timeout`, { cause: err });
  return new CacheError('unavailable', `${backend} unavailable (${e?.code ?? shortReason(message)})`, { cause: err });
}

function shortReason(message: string): string {
  if (message.startsWith("Stream isn't writeable")) return 'not connected';
  if (message.startsWith('Reached the max retries per request')) return 'connection lost';
  if (message.startsWith('Connection is closed')) return 'connection closed';
  return message.slice(0, 80);
}
