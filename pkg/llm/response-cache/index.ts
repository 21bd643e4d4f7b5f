export { ResponseCache, RESPONSE_SCOPE, type CachePlan, type CacheStatus, type PlanInput, type ResponseCacheOptions } from './response-cache.ts';
export { responseCacheKey, canonicalJson, type KeyInput } from './cache-key.ts';
export { cacheDirective, parseCacheRules, type CacheRule, type Directive, type DirectiveInput } from './directive.ts';
export { responseEvents, responseFromSse } from './replay.ts';
