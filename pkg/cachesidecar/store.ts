import { MemoryStore, type CacheStore } from '#pkg/kv/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { CacheSidecarConfig } from './config.ts';

/** Builds the configured backend adapter. */
export function createStore(cfg: CacheSidecarConfig, _logger: Logger): CacheStore {
  switch (cfg.backend) {
    case 'memory':
      return new MemoryStore({ maxBytes: cfg.CACHE_MEMORY_MAX_BYTES, prefix: cfg.CACHE_KEY_PREFIX });
    default:
      throw new Error(`backend ${cfg.backend} is not wired yet`);
  }
}
