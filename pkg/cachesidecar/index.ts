export { createCacheSidecar, type CacheSidecar, type CacheSidecarOptions } from './sidecar.ts';
export { loadCacheSidecarConfig, cacheSidecarSpec, type CacheSidecarConfig } from './config.ts';
export { createStore, type SidecarStore } from './store.ts';
export { parseUpstashTokens, parseScriptShas, type UpstashGrant } from './upstash/index.ts';
