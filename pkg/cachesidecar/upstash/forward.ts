/**
 * The `upstash` backend for the Upstash endpoint: already-fenced commands are
 * forwarded to the real Upstash over its REST protocol (plain JSON, so
 * replies come back as text the sidecar can unprefix and encode itself).
 * Upstash's own refusals are the client's to see; anything else (no answer,
 * 401, 5xx, a body that is not the protocol) means the backend is unavailable.
 */
import { secrets } from '#pkg/log/index.ts';
import type { CommandArgs, Settled, UpstashExecutor } from './executor.ts';

export interface UpstashForwardOptions {
  /** UPSTASH_REDIS_REST_URL of the real database. */
  url: string;
  /** Its token; registered with the log masker. */
  token: string;
  /** Deadline of each upstream request, ms (the op deadline answers the client anyway). */
  timeoutMs: number;
}

/**
 * Names upper-case, as the redis executor sends them (Redis and Upstash read
 * names in any case). JSON carries text only: a byte argument goes as its
 * UTF-8 text, so binary values are not exact through this backend.
 */
const wire = (c: CommandArgs): string[] => c.map((a, i) => (i === 0 ? String(a).toUpperCase() : String(a)));
const replyError = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });
const unavailable = (reason: string): Error => Object.assign(new Error(`upstash unavailable (${reason})`), { name: 'UpstashUnavailable' });

export function upstashForwarder(options: UpstashForwardOptions): UpstashExecutor {
  secrets.add(options.token);
  const base = options.url.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' };

  const post = async (path: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    let res: Response;
    try {
      res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (err) {
      throw unavailable((err as Error).name);
    }
    const text = await res.text().catch(() => '');
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      throw unavailable(`HTTP ${res.status}, not JSON`);
    }
  };

  const refusal = (status: number, body: unknown): Error | undefined => {
    const error = (body as { error?: unknown } | null)?.error;
    return status === 400 && typeof error === 'string' ? replyError(error) : undefined;
  };

  const settledList = (status: number, body: unknown, count: number): Settled[] => {
    if (status !== 200 || !Array.isArray(body) || body.length !== count) throw refusal(status, body) ?? unavailable(`HTTP ${status}`);
    return body.map((entry: { result?: unknown; error?: unknown }): Settled => (typeof entry?.error === 'string'
      ? { ok: false, error: replyError(entry.error) }
      : { ok: true, value: entry?.result ?? null }));
  };

  return {
    async one(args) {
      const { status, body } = await post('', wire(args));
      if (status === 200 && body !== null && typeof body === 'object' && 'result' in body) return (body as { result: unknown }).result;
      throw refusal(status, body) ?? unavailable(`HTTP ${status}`);
    },
    async many(commands) {
      const { status, body } = await post('/pipeline', commands.map(wire));
      return settledList(status, body, commands.length);
    },
    async atomic(commands) {
      const { status, body } = await post('/multi-exec', commands.map(wire));
      return settledList(status, body, commands.length);
    },
  };
}
