import { createHash } from 'node:crypto';
import { parseLimit } from './params.ts';

/** Bumped whenever the shape of a cached search answer changes, so old entries are never read as new ones. */
const SEARCH_CACHE_KEY_VERSION = 'v1';

/**
 * The cache key of one search: `v1:<limit>:<first 32 hex digits of sha256(query)>`.
 * Hashing keeps every key short and plain ASCII whatever the query holds
 * (well under pkg/kv's 1,024-byte limit, no lone surrogates), and keeps the
 * query's text out of the cache's key space. 128 bits make an accidental
 * collision negligible. Pass the query through normalizeQuery first: equivalent
 * spellings then share one entry.
 */
export function searchCacheKey(normalizedQuery: string, limit: number): string {
  const digest = createHash('sha256').update(normalizedQuery, 'utf8').digest('hex').slice(0, 32);
  return `${SEARCH_CACHE_KEY_VERSION}:${parseLimit(limit)}:${digest}`;
}
