/**
 * Pure header selection for the raw pass-through (passthrough.ts): which of
 * the caller's headers go on to a provider, which of the provider's come back
 * to the caller. No I/O.
 *
 * Caller → provider:
 * - never: the caller's credentials (`authorization`, `x-api-key`, `api-key`,
 *   `cookie`), hop-by-hop and framing headers (recomputed), `accept-encoding`
 *   (the proxy reads answers as plain bytes to tap usage), the proxy's own
 *   `x-llm-*`, the caller's SDK telemetry and budget `x-stainless-*` (the
 *   proxy consumes the budget), `x-forwarded-*`/`x-real-ip`;
 * - only to a provider of that dialect: `openai-*` (organization, project,
 *   beta) to OpenAI, `anthropic-*` (`anthropic-beta`, `anthropic-version`)
 *   to Anthropic;
 * - kept: `content-type`, `accept`, `user-agent`, `idempotency-key` and any
 *   other `x-*` (e.g. `x-client-request-id`);
 * - added: the provider's key, and `anthropic-version: 2023-06-01` when the
 *   caller sent none. Anything else (browser headers, `origin`…) is dropped.
 *
 * Provider → caller: `content-type`, the request id (`x-request-id`,
 * `request-id`), rate-limit headers (`x-ratelimit-*`, `anthropic-ratelimit-*`,
 * `retry-after`, `retry-after-ms`) and `openai-processing-ms`/`openai-version`.
 * Not the account (`openai-organization`, `openai-project`,
 * `anthropic-organization-id`), not cookies, not framing.
 */
import type { Dialect } from './canonical.ts';

export type CallerHeaders = Record<string, string | string[] | undefined>;

const ANTHROPIC_VERSION = '2023-06-01';

const NEVER = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'content-length', 'accept-encoding', 'authorization', 'x-api-key', 'api-key', 'cookie', 'x-real-ip', 'expect',
]);
const KEPT = new Set(['content-type', 'accept', 'user-agent', 'idempotency-key']);

/** The headers to send to a provider of `dialect`, from the caller's, with the provider's key. */
export function upstreamHeaders(dialect: Dialect, apiKey: string, caller: CallerHeaders | undefined, hasBody: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (caller) {
    for (const name of Object.keys(caller)) {
      const v = caller[name];
      if (v === undefined) continue;
      const k = name.toLowerCase();
      if (!forwarded(k, dialect)) continue;
      out[k] = Array.isArray(v) ? v.join(', ') : v;
    }
  }
  if (hasBody && out['content-type'] === undefined) out['content-type'] = 'application/json';
  if (dialect === 'anthropic') {
    if (apiKey) out['x-api-key'] = apiKey;
    out['anthropic-version'] ??= ANTHROPIC_VERSION;
  } else if (apiKey) {
    // A keyless upstream (vLLM, Ollama) gets no credential at all.
    out.authorization = `Bearer ${apiKey}`;
  }
  return out;
}

function forwarded(k: string, dialect: Dialect): boolean {
  if (NEVER.has(k)) return false;
  if (KEPT.has(k)) return true;
  if (k.startsWith('openai-')) return dialect === 'openai';
  if (k.startsWith('anthropic-')) return dialect === 'anthropic';
  if (k.startsWith('x-')) return !(k.startsWith('x-llm-') || k.startsWith('x-stainless-') || k.startsWith('x-forwarded-'));
  return false;
}

/**
 * The provider's headers for a caller of the other dialect (a translated answer): rate-limit headers as they are,
 * and the request id under the name the caller's SDK reads (`x-request-id` for openai, `request-id` for
 * @anthropic-ai/sdk), so `_request_id` names the upstream call whichever provider served it.
 */
export function translatedHeaders(caller: Dialect, upstream: Record<string, string> | undefined): Record<string, string> {
  if (!upstream) return {};
  const out: Record<string, string> = {};
  for (const k of Object.keys(upstream)) {
    if (k === 'content-type' || k === 'x-request-id' || k === 'request-id') continue;
    out[k] = upstream[k];
  }
  const id = upstream['request-id'] ?? upstream['x-request-id'];
  if (id !== undefined) out[caller === 'anthropic' ? 'request-id' : 'x-request-id'] = id;
  return out;
}

const BACK = new Set(['content-type', 'x-request-id', 'request-id', 'retry-after', 'retry-after-ms', 'openai-processing-ms', 'openai-version']);

/** The provider's answer headers the caller gets (request id, rate limits), lower-cased, multi-values joined. */
export function clientHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(upstream)) {
    const v = upstream[name];
    if (v === undefined) continue;
    const k = name.toLowerCase();
    if (BACK.has(k) || k.startsWith('x-ratelimit-') || k.startsWith('anthropic-ratelimit-')) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
