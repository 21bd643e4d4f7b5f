import { MemoryStore, RedisStore, loadUpstashStore, type CacheStore } from '#pkg/kv/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { CacheSidecarConfig } from './config.ts';

export interface SidecarStore {
  store: CacheStore;
  /** The breaker's probe: proves the backend answers, and repairs what it can when it does not. */
  probe: (timeoutMs: number) => Promise<void>;
}

const HUNG_AFTER_PROBES = 4;

/**
 * Builds the configured backend adapter. The redis adapter runs without
 * ioredis' per-command timer (the sidecar's deadline sweeper bounds every op);
 * in exchange, a probe that times out drops the connection and reconnects, so
 * a connection that hangs without closing is replaced. The upstash adapter
 * (and @upstash/redis) is imported only when that backend is configured.
 */
export async function createStore(cfg: CacheSidecarConfig, logger: Logger): Promise<SidecarStore> {
  switch (cfg.backend) {
    case 'memory': {
      const store = new MemoryStore({ maxBytes: cfg.CACHE_MEMORY_MAX_BYTES, prefix: cfg.CACHE_KEY_PREFIX });
      return { store, probe: (ms) => store.ping({ signal: AbortSignal.timeout(ms) }) };
    }
    case 'redis': {
      const store = new RedisStore({ url: cfg.REDIS_URL, prefix: cfg.CACHE_KEY_PREFIX, commandTimeoutMs: 0, logger });
      // A PING unanswered on a connection that looks alive, again and again,
      // means the connection hangs: drop it and reconnect. Not on the first
      // miss, which an overloaded event loop can cause on its own.
      let silentProbes = 0;
      return {
        store,
        probe: async (ms) => {
          try {
            await store.ping({ signal: AbortSignal.timeout(ms) });
            silentProbes = 0;
          } catch (err) {
            if (store.status() === 'connected' && ++silentProbes >= HUNG_AFTER_PROBES) {
              silentProbes = 0;
              store.client.disconnect(true);
            }
            throw err;
          }
        },
      };
    }
    case 'upstash': {
      const UpstashStore = await loadUpstashStore();
      const store = new UpstashStore({ url: cfg.UPSTASH_REDIS_REST_URL, token: cfg.UPSTASH_REDIS_REST_TOKEN, prefix: cfg.CACHE_KEY_PREFIX, timeoutMs: cfg.CACHE_OP_TIMEOUT_MS, logger });
      return { store, probe: (ms) => store.ping({ signal: AbortSignal.timeout(ms) }) };
    }
  }
}
