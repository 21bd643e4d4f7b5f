/**
 * `CACHE_UPSTASH_TOKENS`: which Upstash token belongs to which tenant.
 * `{"<token>":{"tenant":"acme","scope"?:"upstash","trusted"?:false,"defaultTtl"?:false}}`.
 * Tokens are looked up by their SHA-256, so the lookup's timing tells nothing
 * about how much of a guessed token was right.
 */
import { createHash } from 'node:crypto';
import { isValidName } from '#pkg/kv/index.ts';

export interface UpstashGrant {
  tenant: string;
  /** The scope the tenant's Upstash keys live in (its TTL rule applies). Default `upstash`. */
  scope: string;
  /** May run any script, not only allowlisted ones. */
  trusted: boolean;
  /** A SET without a TTL gets the scope's default TTL from the TTL policy. */
  defaultTtl: boolean;
}

const DEFAULT_UPSTASH_SCOPE = 'upstash';
const MIN_TOKEN_LENGTH = 16;

export class UpstashTokens {
  readonly #byDigest = new Map<string, UpstashGrant>();
  /** The raw tokens, so the caller can register them with the log masker. */
  readonly tokens: readonly string[];

  constructor(grants: Record<string, UpstashGrant>) {
    this.tokens = Object.keys(grants);
    for (const [token, grant] of Object.entries(grants)) this.#byDigest.set(digest(token), grant);
  }

  get size(): number {
    return this.#byDigest.size;
  }

  lookup(token: string | undefined): UpstashGrant | undefined {
    if (!token) return undefined;
    return this.#byDigest.get(digest(token));
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Parses the env value; the error never quotes a token. Empty → no tokens (every request is 401). */
export function parseUpstashTokens(text: string): UpstashTokens {
  if (text.trim() === '') return new UpstashTokens({});
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('CACHE_UPSTASH_TOKENS must be a JSON object {"<token>":{"tenant":"…"}}');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error('CACHE_UPSTASH_TOKENS must be a JSON object {"<token>":{"tenant":"…"}}');
  }
  const grants: Record<string, UpstashGrant> = {};
  let index = 0;
  for (const [token, value] of Object.entries(raw as Record<string, unknown>)) {
    index++;
    const where = `CACHE_UPSTASH_TOKENS entry #${index}`;
    if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${where}: a token must be at least ${MIN_TOKEN_LENGTH} characters`);
    if (value === null || typeof value !== 'object') throw new Error(`${where}: must be an object {"tenant":"…"}`);
    const { tenant, scope, trusted, defaultTtl, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length) throw new Error(`${where}: unknown field ${JSON.stringify(unknown[0])} (allowed: tenant, scope, trusted, defaultTtl)`);
    if (!isValidName(tenant)) throw new Error(`${where}: tenant must match [A-Za-z0-9._-]{1,64}`);
    if (scope !== undefined && !isValidName(scope)) throw new Error(`${where}: scope must match [A-Za-z0-9._-]{1,64}`);
    if (trusted !== undefined && typeof trusted !== 'boolean') throw new Error(`${where}: trusted must be true or false`);
    if (defaultTtl !== undefined && typeof defaultTtl !== 'boolean') throw new Error(`${where}: defaultTtl must be true or false`);
    grants[token] = { tenant, scope: (scope as string | undefined) ?? DEFAULT_UPSTASH_SCOPE, trusted: trusted === true, defaultTtl: defaultTtl === true };
  }
  return new UpstashTokens(grants);
}
