export { createCacheSidecar, type CacheSidecar, type CacheSidecarOptions } from './sidecar.ts';
export { createDataHandler, type DataHandlerOptions } from './data-handler.ts';
export { BackendGuard, type GuardState, type BackendGuardOptions } from './guard.ts';
export { DeadlineSweeper } from './deadlines.ts';
export { parseRoute, type Route } from './route.ts';
export { MAX_BATCH_ITEMS } from './input.ts';
export { loadCacheSidecarConfig, chooseBackend, cacheSidecarSpec, type CacheSidecarConfig } from './config.ts';
export { createStore, type SidecarStore } from './store.ts';
export { createUpstashHandler, isUpstashPath, parseUpstashTokens, parseScriptShas, UpstashTokens, type UpstashGrant } from './upstash/index.ts';
