/**
 * The search parameters as they arrive in a query string, checked once so the
 * uncached and the cached route refuse the same inputs with the same errors.
 */
import { parseDuration } from '#pkg/config/index.ts';
import { KnowledgeError } from './errors.ts';

export const MAX_QUERY_LENGTH = 500;
export const DEFAULT_LIMIT = 10;
const MIN_LIMIT = 1;
export const MAX_LIMIT = 50;
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;

export interface SearchParams {
  /** The normalised query (see normalizeQuery). */
  query: string;
  limit: number;
  /** Only when the caller asked for one; the sidecar clamps it into its scope's bounds. */
  ttlMs?: number;
}

export interface RawSearchParams {
  q?: unknown;
  limit?: unknown;
  ttl?: unknown;
}

/**
 * One spelling per query: NFKC folds compatibility forms (full-width letters,
 * ligatures) into their plain ones, then case and runs of whitespace are folded.
 * NFKC runs again after lowercasing because a few lowercase mappings leave a
 * string that is no longer in NFKC, and the result must be a fixed point.
 */
export function normalizeQuery(q: string): string {
  return q.normalize('NFKC').toLowerCase().normalize('NFKC').trim().replace(/\s+/gu, ' ');
}

export function parseSearchParams(raw: RawSearchParams): SearchParams {
  const params: SearchParams = { query: parseQuery(raw.q), limit: parseLimit(raw.limit) };
  const ttlMs = parseTtl(raw.ttl);
  if (ttlMs !== undefined) params.ttlMs = ttlMs;
  return params;
}

function parseQuery(q: unknown): string {
  if (Array.isArray(q)) throw new KnowledgeError('invalid_query', 'q must be given once');
  if (typeof q !== 'string') throw new KnowledgeError('invalid_query', 'q is required');
  // Checked before normalising so a huge input is refused without the work, and after, because NFKC can lengthen text.
  if (q.length > MAX_QUERY_LENGTH) throw new KnowledgeError('invalid_query', `q must be at most ${MAX_QUERY_LENGTH} characters`);
  const query = normalizeQuery(q);
  if (query === '') throw new KnowledgeError('invalid_query', 'q must not be empty');
  if (query.length > MAX_QUERY_LENGTH) throw new KnowledgeError('invalid_query', `q must be at most ${MAX_QUERY_LENGTH} characters`);
  return query;
}

const UNSIGNED_INT = /^\d+$/;

/** `limit` as a query-string value (or a number from code): an integer from 1 to 50, default 10. */
export function parseLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  const text = typeof limit === 'number' ? String(limit) : limit;
  const n = typeof text === 'string' && UNSIGNED_INT.test(text) ? Number(text) : Number.NaN;
  if (!(n >= MIN_LIMIT && n <= MAX_LIMIT)) {
    throw new KnowledgeError('invalid_limit', `limit must be an integer from ${MIN_LIMIT} to ${MAX_LIMIT}`);
  }
  return n;
}

function parseTtl(ttl: unknown): number | undefined {
  if (ttl === undefined) return undefined;
  const text = typeof ttl === 'number' ? String(ttl) : ttl;
  let ms: number | undefined;
  if (typeof text === 'string') {
    // A bare integer is seconds here (a cache TTL is said in seconds), unlike parseDuration's milliseconds.
    ms = UNSIGNED_INT.test(text.trim()) ? Number(text.trim()) * 1000 : parseDuration(text);
  }
  if (ms === undefined || !(ms > 0) || ms > MAX_TTL_MS) {
    throw new KnowledgeError('invalid_ttl', 'ttl must be a duration above 0 and at most 1 day, like 10s, 5000ms or 15 (seconds)');
  }
  return ms;
}
