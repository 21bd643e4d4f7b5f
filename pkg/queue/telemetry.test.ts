import { describe, expect, it } from 'vitest';
import { Metrics } from '#pkg/metrics/index.ts';
import { queueTelemetry } from './telemetry.ts';

const line = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

describe('QueueTelemetry', () => {
  it('shows batched counts at every scrape, without waiting for a flush timer', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const t = queueTelemetry(metrics, 'q');
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      t.attemptStarted({ timestamp: now - 2000, opts: {}, attemptsMade: 0, attemptsStarted: 1 }, now);
      t.attemptEnded(0.01, 'ok');
      t.completed(now);
    }
    t.attemptStarted({ timestamp: now, attemptsMade: 1, attemptsStarted: 2 }, now);
    const text = await metrics.text();
    expect(line(text, 'bullmq_jobs_processed_total{queue="q",outcome="completed"}')).toMatch(/ 3$/);
    expect(line(text, 'bullmq_jobs_started_total{queue="q",attempt="first"}')).toMatch(/ 3$/);
    expect(line(text, 'bullmq_jobs_started_total{queue="q",attempt="retry"}')).toMatch(/ 1$/);
    expect(line(text, 'bullmq_queue_lag_seconds_count{queue="q"}')).toMatch(/ 3$/);
    // Counted once: a second scrape does not double them.
    expect(line(await metrics.text(), 'bullmq_jobs_processed_total{queue="q",outcome="completed"}')).toMatch(/ 3$/);
  });

  it('is one object per queue and Metrics, and windows its stats', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const a = queueTelemetry(metrics, 'q');
    expect(queueTelemetry(metrics, 'q')).toBe(a);
    expect(queueTelemetry(metrics, 'other')).not.toBe(a);
    const now = 1_000_000;
    a.completed(now);
    a.failed('timeout', false, now);
    a.failed('timeout', true, now);
    a.enqueued(4, now);
    const s = a.stats(now);
    expect(s.errorRatio['1m']).toBeCloseTo(2 / 3, 6);
    expect(s.attempts5m).toBe(3);
    expect(s.errorRatio['5m']).toBeCloseTo(2 / 3, 6);
    expect(a.stats(now + 10 * 60_000).errorRatio['5m']).toBeNull();
  });

  it('reports concurrency from its workers and utilization from active attempts', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const t = queueTelemetry(metrics, 'cap');
    const removeA = t.addConcurrency({}, () => 8);
    t.addConcurrency({}, () => 4);
    for (let i = 0; i < 6; i++) t.attemptStarted({ timestamp: 0 }, 0);
    expect(t.stats(0)).toMatchObject({ concurrency: 12, activeJobs: 6, utilization: 0.5 });
    removeA();
    expect(t.stats(0).concurrency).toBe(4);
  });
});
