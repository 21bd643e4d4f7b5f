import { loadConfig, str, port, host, duration, intInRange, num } from '#pkg/config/index.ts';

/** The render worker's environment; every default documented in docs/worker.md. */
export const workerSpec = {
  REDIS_URL: str({ default: 'redis://127.0.0.1:6379', desc: 'Redis of the BullMQ queues' }),
  RENDER_QUEUE: str({ default: 'render' }),
  BULLMQ_PREFIX: str({ default: 'bull' }),
  WORKER_CONCURRENCY: intInRange(1, 1000)({ default: 8 }),
  WORKER_ADMIN_HOST: host({ default: '0.0.0.0' }),
  WORKER_ADMIN_PORT: port({ default: 9464 }),
  WORKER_SHUTDOWN_TIMEOUT_MS: duration({ default: 30_000 }),
  WORKER_LOCK_DURATION_MS: duration({ default: 30_000 }),
  WORKER_STALLED_INTERVAL_MS: duration({ default: 30_000 }),
  WORKER_HEARTBEAT_MS: duration({ default: 5_000 }),
  QUEUE_COLLECT_INTERVAL_MS: duration({ default: 5_000 }),
  QUEUE_REDIS_TIMEOUT_MS: duration({ default: 2_000 }),
  QUEUE_TARGET_BACKLOG_PER_SLOT: num({ default: 1 }),
  QUEUE_MAX_READY_AGE_SECONDS: num({ default: 30 }),
  QUEUE_MIN_WORKERS: intInRange(0, 10_000)({ default: 0 }),
  QUEUE_MAX_WORKERS: intInRange(1, 10_000)({ default: 100 }),
  QUEUE_DEGRADED_AGE_SECONDS: num({ default: 60 }),
  QUEUE_UNHEALTHY_AGE_SECONDS: num({ default: 300 }),
  QUEUE_DEGRADED_ERROR_RATIO: num({ default: 0.05 }),
  QUEUE_UNHEALTHY_ERROR_RATIO: num({ default: 0.25 }),
  QUEUE_DEGRADED_LAG_P95_SECONDS: num({ default: 30 }),
  LOG_LEVEL: str({ default: 'info' }),
};

export type WorkerConfig = ReturnType<typeof loadWorkerConfig>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(workerSpec, env);
}
