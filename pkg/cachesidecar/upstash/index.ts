export { createUpstashHandler, isUpstashPath, type UpstashHandlerOptions } from './handler.ts';
export { parseScriptShas, RATELIMIT_SCRIPT_SHAS } from './scripts.ts';
export { parseUpstashTokens, UpstashTokens, DEFAULT_UPSTASH_SCOPE, type UpstashGrant } from './tokens.ts';
