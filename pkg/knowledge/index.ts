export { KnowledgeBase, type KnowledgeBaseOptions, type ReindexResult, type KnowledgeStats } from './knowledge-base.ts';
export { KnowledgeError, type KnowledgeErrorCode } from './errors.ts';
export { normalizeQuery, parseSearchParams, parseLimit, type SearchParams, type RawSearchParams } from './params.ts';
export { searchCacheKey } from './cache-key.ts';
export type { SearchResponse, SearchHit, KnowledgeDocument } from './engine.ts';
export { parseMarkdown, type ParsedMarkdown } from './markdown.ts';
export { MAX_DOCUMENT_BYTES } from './loader.ts';
