export { createUpstashHandler, isUpstashPath, type UpstashHandlerOptions } from './handler.ts';
export { parseScriptShas, RATELIMIT_SCRIPT_SHAS } from './scripts.ts';
export { parseUpstashTokens, UpstashTokens, type UpstashGrant } from './tokens.ts';
