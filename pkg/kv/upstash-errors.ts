/**
 * Maps what @upstash/redis throws onto CacheError kinds, and redacts its
 * messages: an UpstashError quotes the whole command with its values
 * (`…, command was: ["set","key","<value>",…]`), and a pipeline error names
 * the command; neither may reach a log or an error body.
 */
import { CacheError } from './errors.ts';
import { redisError, safeCause } from './redis-errors.ts';

const COMMAND_WAS = /,?\s*command was:[\s\S]*$/;
const PIPELINE_PREFIX = /^Command \d+ \[ [^\]]* \] failed:\s*/;

/** The error text Upstash sent, without the quoted command, cut to 200 characters. */
export function redactUpstashMessage(message: string): string {
  return message.replace(COMMAND_WAS, '').replace(PIPELINE_PREFIX, '').slice(0, 200);
}

const REPLY_ERROR = /^(ERR|WRONGTYPE|NOSCRIPT|OOM|LOADING|BUSY|READONLY|EXECABORT|NOPERM|PFTX_WRONGTYPE)\b/;

export function upstashError(err: unknown): CacheError {
  if (err instanceof CacheError) return err;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  const name = e?.name ?? '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (name === 'TimeoutError') return new CacheError('timeout', 'upstash did not answer within the timeout', { cause: safeCause(err) });
  if (name === 'AbortError') return new CacheError('unavailable', 'upstash request aborted', { cause: safeCause(err) });
  if (name === 'UpstashError' || name === 'UpstashJSONParseError') {
    const text = redactUpstashMessage(message);
    if (REPLY_ERROR.test(text)) {
      // A Redis reply error: classify it like one, keeping only its prefix.
      const mapped = redisError(Object.assign(new Error(text), { name: 'ReplyError' }), 'upstash');
      return new CacheError(mapped.kind, mapped.message, { cause: new Error(text) });
    }
    if (name === 'UpstashJSONParseError') return new CacheError('unavailable', 'upstash answered with something that is not JSON', { cause: new Error(text.slice(0, 80)) });
    return new CacheError('unavailable', `upstash refused the request (${text.slice(0, 80)})`, { cause: new Error(text) });
  }
  // fetch failures: TypeError('fetch failed') with a cause carrying the socket error code.
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.cause?.message?.slice(0, 80);
  return new CacheError('unavailable', `upstash unreachable (${code ?? (message.slice(0, 80) || 'error')})`, { cause: safeCause(err) });
}
