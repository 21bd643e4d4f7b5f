/**
 * Wires the app from its config: the authenticator, feature flags, the
 * sidecar cache client, the shared rate-limit store, the render queue, the
 * orchestrator, and the knowledge index (built after the listener is up, so
 * /healthz answers while /readyz waits for the index).
 */
import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { closeServer, createServer, listen } from '#pkg/http/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import { SidecarCache, type Cache } from '#pkg/kv/index.ts';
import { KnowledgeBase, normalizeQuery, parseLimit } from '#pkg/knowledge/index.ts';
import { createFeatureFlags, type FeatureFlags } from '#pkg/flags/index.ts';
import { ChatOrchestrator } from '#pkg/orchestrator/index.ts';
import { createAdminRouter } from './admin/index.ts';
import { createApp } from './app.ts';
import { Authenticator, randomSessionSecret } from './auth.ts';
import { CachedSearch } from './cached-search.ts';
import type { AppConfig } from './config.ts';
import { AppMetrics } from './metrics.ts';
import type { Role } from './principal.ts';
import { rateLimitByPrincipal } from './rate-limit.ts';
import { chatRoutes } from './routes/chat.ts';
import { knowledgeRoutes } from './routes/knowledge.ts';
import { renderRoutes } from './routes/render.ts';

const LOOKUP_ROUTE = 'chat:knowledge_lookup';
const REDIS_CONNECT_WAIT_MS = 3_000;
const LOOKUP_DEFAULT_LIMIT = 5;

export interface AppServiceDeps {
  logger: Logger;
  metrics: Metrics;
  /** Tests pass their own; default a SidecarCache on `CACHE_SIDECAR_URL`. */
  cache?: Cache;
  /** Tests pass their own; default from `APP_FLAGS_FILE` and `APP_FLAG_*`. */
  flags?: FeatureFlags;
  env?: NodeJS.ProcessEnv;
}

export interface AppService {
  readonly server: Server;
  readonly port: number;
  /** Resolves once the knowledge index is built; rejects when the folder cannot be indexed. */
  readonly indexed: Promise<KnowledgeBase>;
  close(): Promise<void>;
}

export async function startApp(config: AppConfig, deps: AppServiceDeps): Promise<AppService> {
  const { logger, metrics } = deps;
  const appMetrics = new AppMetrics(metrics);
  const auth = new Authenticator({ apiKeys: config.apiKeys, jwt: config.jwt, sessionTtlMs: config.sessionTtlMs, secureCookies: config.production });
  const flags = deps.flags ?? await createFeatureFlags({ file: config.flagsFile ?? undefined, env: deps.env, logger });
  const cache = deps.cache ?? new SidecarCache({ url: config.cache.url, token: config.cache.token, timeoutMs: config.cache.timeoutMs });
  const cachedSearch = new CachedSearch({ cache, flags, defaultTtlMs: config.cache.defaultTtlMs });

  // Fail fast while Redis is away: a rate-limit check or an enqueue must not wait for a reconnect.
  const redisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2_000, protocol: 2 as const };
  const limiterRedis = config.redisUrl ? new Redis(config.redisUrl, redisOptions) : null;
  const queueRedis = config.redisUrl ? new Redis(config.redisUrl, redisOptions) : null;
  for (const c of [limiterRedis, queueRedis]) c?.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'));
  const queue = queueRedis ? new Queue(config.renderQueue, { connection: queueRedis, prefix: config.bullmqPrefix }) : null;
  queue?.on('error', (err) => logger.debug({ err: err.message }, 'render queue error'));
  const limiterOptions = { windowMs: config.rateLimit.windowMs, limits: config.rateLimit.limits, redis: limiterRedis, logger };
  const rateLimit = (role: Role) => rateLimitByPrincipal(limiterOptions, role);

  let kb: KnowledgeBase | null = null;
  const knowledge = () => kb;
  const orchestrator = new ChatOrchestrator({
    proxyUrl: config.llmProxyUrl,
    apiKey: config.llmProxyApiKey,
    defaultModel: config.chatModel,
    maxToolRounds: config.chatMaxToolRounds,
    logger,
    onToolRound: () => appMetrics.toolRound(),
    lookup: async (args, ctx) => {
      if (!kb) throw new Error('the knowledge index is still being built');
      const params = { query: normalizeQuery(args.query), limit: parseLimit(args.limit ?? LOOKUP_DEFAULT_LIMIT) };
      const answer = await cachedSearch.search(kb, params, ctx.tenant, ctx.signal);
      appMetrics.cacheOutcome(LOOKUP_ROUTE, answer.cache);
      return { results: answer.body.results, cache: answer.cache };
    },
  });

  const app = createApp({
    logger,
    metrics,
    appMetrics,
    sessionSecret: config.sessionSecret || randomSessionSecret(),
    trustProxy: config.trustProxy,
    ready: () => kb !== null,
    routers: [
      knowledgeRoutes({ auth, rateLimit: rateLimit('knowledge:read'), adminRateLimit: rateLimit('admin'), knowledge, cachedSearch, metrics: appMetrics }),
      chatRoutes({ auth, rateLimit: rateLimit('chat:use'), orchestrator, flags, metrics: appMetrics }),
      renderRoutes({ auth, rateLimit: rateLimit('render:submit'), queue, queueReady: () => queueRedis?.status === 'ready' }),
      createAdminRouter({
        auth,
        logger,
        cacheOutcomes: () => appMetrics.cacheOutcomes(),
        urls: { cacheSidecarAdmin: config.admin.cacheSidecarAdminUrl, llmProxyAdmin: config.admin.llmProxyAdminUrl, workerHealth: config.admin.workerHealthUrl },
        queues: queue ? [queue] : [],
        k8sNamespace: config.admin.k8sNamespace,
      }),
    ],
  });
  // Limits counted from the first request: give Redis a moment to connect before listening (a down Redis
  // does not hold the start: requests then pass unlimited until it is back, and render answers 503).
  await Promise.all([limiterRedis, queueRedis].map((c) => (c ? whenReady(c, REDIS_CONNECT_WAIT_MS) : undefined)));
  if (limiterRedis && limiterRedis.status !== 'ready') logger.warn('redis not reachable at start: rate limits pass until it is, render answers 503');
  const server = createServer(app);
  const port = await listen(server, config.port, config.host);
  logger.info({ host: config.host, port }, 'app listening');

  const indexed = KnowledgeBase.open({ dir: config.knowledgeDir, watch: config.knowledgeWatch, logger }).then((built) => {
    kb = built;
    return built;
  });
  indexed.catch(() => undefined);

  return {
    server,
    port,
    indexed,
    async close() {
      await closeServer(server);
      kb?.close();
      await flags.close();
      if (!deps.cache && cache instanceof SidecarCache) await cache.close();
      await queue?.close().catch(() => undefined);
      for (const c of [limiterRedis, queueRedis]) c?.disconnect();
    },
  };
}

/** Resolves once the client is ready or after `ms`, whichever comes first; never rejects. */
function whenReady(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); client.off('ready', done); resolve(); };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
  });
}
