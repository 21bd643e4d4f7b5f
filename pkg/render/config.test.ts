import { describe, expect, it } from 'vitest';
import { ConfigError } from '#pkg/config/index.ts';
import { loadWorkerConfig } from './config.ts';

describe('loadWorkerConfig', () => {
  it('has the documented defaults', () => {
    const cfg = loadWorkerConfig({});
    expect(cfg).toMatchObject({ RENDER_QUEUE: 'render', WORKER_CONCURRENCY: 8, WORKER_ADMIN_HOST: '0.0.0.0', WORKER_ADMIN_PORT: 9464, WORKER_SHUTDOWN_TIMEOUT_MS: 30_000, QUEUE_COLLECT_INTERVAL_MS: 5_000 });
  });
  it('parses durations and rejects bad values by name, never echoing them', () => {
    expect(loadWorkerConfig({ WORKER_SHUTDOWN_TIMEOUT_MS: '45s' }).WORKER_SHUTDOWN_TIMEOUT_MS).toBe(45_000);
    let err: unknown;
    try {
      loadWorkerConfig({ WORKER_CONCURRENCY: '0', REDIS_URL: 'redis://:hunter2@x:6379', WORKER_ADMIN_PORT: 'hunter2' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/WORKER_CONCURRENCY/);
    expect((err as Error).message).toMatch(/WORKER_ADMIN_PORT/);
    expect((err as Error).message).not.toContain('hunter2');
  });
});
