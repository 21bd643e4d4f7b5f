/**
 * Optional caller authentication (`LLM_PROXY_TOKEN`): when set, every data
 * request must carry one of the tokens as its API key — where the official
 * SDKs put theirs (`Authorization: Bearer`, `x-api-key`, Azure's `api-key`) —
 * so an app configured with `OPENAI_API_KEY=<token>` works unchanged. Tokens
 * are compared in constant time on SHA-256 digests. The caller's key never
 * goes on to a provider either way (pkg/llm/passthrough-headers.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type CallerCheck = (headers: IncomingHttpHeaders) => boolean;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The caller's key from the headers the SDKs use; undefined when none was sent. */
export function callerKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : undefined;
  }
  for (const name of ['x-api-key', 'api-key'] as const) {
    const v = headers[name];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

/** A check against `tokens`; with none configured every caller passes. */
export function callerCheck(tokens: readonly string[]): CallerCheck {
  if (tokens.length === 0) return () => true;
  const digests = tokens.map(digest);
  return (headers) => {
    const key = callerKey(headers);
    if (key === undefined) return false;
    const d = digest(key);
    let ok = false;
    // Every token is compared, so the time taken says nothing of which one matched.
    for (const t of digests) if (timingSafeEqual(t, d)) ok = true;
    return ok;
  };
}
