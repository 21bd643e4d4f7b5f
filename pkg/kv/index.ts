export * from './types.ts';
export { CacheError, backendFailure, type CacheErrorKind } from './errors.ts';
export { txResultJson } from './tx-result.ts';
export { MAX_KEY_BYTES, isValidName, validateScope, validateKey, encodeKey } from './keys.ts';
export {
  DEFAULT_TTL_POLICY,
  parseTtlPolicy, validateTtlPolicy, ruleFor, effectiveTtl, parseRequestedTtl, describeTtlPolicy,
  type TtlPolicy, type TtlRule, type TtlPolicyInput, type TtlRuleInput, type FileReader,
} from './ttl.ts';
export { CacheMetrics, type CacheMetricsOptions, type BoundRequests, type CacheOp, type CacheResult } from './metrics.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory.ts';
export { RedisStore, type RedisStoreOptions, type BackendStatus } from './redis.ts';
export { UpstashStore, type UpstashStoreOptions } from './upstash.ts';
/**
 * UpstashStore, imported when first asked for: a binary that may run on either
 * backend (the cache sidecar) pays for @upstash/redis only when it is
 * configured. Built binaries leave UpstashStore out of their start-up code
 * unless they use the static export.
 */
export async function loadUpstashStore(): Promise<typeof import('./upstash.ts').UpstashStore> {
  return (await import('./upstash.ts')).UpstashStore;
}
export { upstashError } from './upstash-errors.ts';
export type {
  Cache, CallOptions, Unavailable, GetResult, SetResult, DelResult, MgetItem, MgetResult, MsetItem, MsetResult, CacheTxOp, CacheTxResult, TxResultSet,
} from './cache-types.ts';
export { StoreCache, type StoreCacheOptions } from './cache.ts';
export { SidecarCache, type SidecarCacheOptions } from './sidecar-client.ts';
export { sidecarCacheFromEnv, sidecarClientSpec } from './sidecar-env.ts';
