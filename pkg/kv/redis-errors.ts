/**
 * Maps what ioredis rejects with onto CacheError kinds. Messages are ours:
 * Redis replies are summarised by their error prefix, never quoted whole.
 */
import { CacheError } from './errors.ts';

const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS|MOVED|ASK)\b/;
const WRONG_TYPE_REPLY = /^WRONGTYPE|not an integer|out of range|overflow/i;

/**
 * A copy of a client error that is safe to keep as `cause` and to log: name,
 * code and the reply text up to where Redis starts quoting arguments. The
 * original carries `command.args` (keys, stored values, AUTH passwords) as
 * enumerable properties that a log serializer would print.
 */
export function safeCause(err: unknown): Error {
  const e = err as { name?: string; message?: string; code?: string };
  const message = (typeof e?.message === 'string' ? e.message : String(err)).split(', with args')[0].split(', command was:')[0].slice(0, 200);
  const copy = new Error(message);
  copy.name = typeof e?.name === 'string' ? e.name : 'Error';
  if (typeof e?.code === 'string') (copy as Error & { code?: string }).code = e.code;
  return copy;
}

export function redisError(raw: unknown, backend = 'redis'): CacheError {
  if (raw instanceof CacheError) return raw;
  const err = safeCause(raw);
  const e = err as { name?: string; message?: string; code?: string };
  const message = err.message;
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
