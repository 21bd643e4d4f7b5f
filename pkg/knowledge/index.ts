export { KnowledgeBase, type KnowledgeBaseOptions, type ReindexResult, type KnowledgeStats } from './knowledge-base.ts';
export { KnowledgeError, type KnowledgeErrorCode } from './errors.ts';
export {
  normalizeQuery, parseSearchParams, parseLimit,
  MAX_QUERY_LENGTH, DEFAULT_LIMIT, MIN_LIMIT, MAX_LIMIT, MAX_TTL_MS,
  type SearchParams, type RawSearchParams,
} from './params.ts';
export { searchCacheKey, SEARCH_CACHE_KEY_VERSION } from './cache-key.ts';
export { type SearchResponse, type SearchHit, type KnowledgeDocument, FIELD_BOOST, FUZZY, FUZZY_MIN_LENGTH, MAX_FUZZY } from './engine.ts';
export { makeSnippet, SNIPPET_LENGTH } from './snippet.ts';
export { parseMarkdown, type ParsedMarkdown } from './markdown.ts';
export { MAX_DOCUMENT_BYTES } from './loader.ts';
