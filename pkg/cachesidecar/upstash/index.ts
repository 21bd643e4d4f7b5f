export { createUpstashHandler, isUpstashPath, type UpstashHandlerOptions } from './handler.ts';
export { parseUpstashTokens, UpstashTokens, DEFAULT_UPSTASH_SCOPE, type UpstashGrant } from './tokens.ts';
