import { describe, expect, it } from 'vitest';
import { autoscalersSummary, describeFailure, llmSummary, queuesSummary, sidecarSummary } from './overview.ts';

describe('sidecarSummary', () => {
  it('keeps backend, breaker and op timeout of the sidecar status', () => {
    const raw = { backend: 'redis', breaker: { state: 'open', consecutiveFailures: 3, lastError: 'timeout', openSince: '2026-12-02T08:00:00.000Z' }, opTimeoutMs: 100, memory: { rss: 1 }, ttlPolicy: {} };
    expect(sidecarSummary(raw)).toEqual({
      status: 'ok', backend: 'redis', opTimeoutMs: 100,
      breaker: { state: 'open', consecutiveFailures: 3, lastError: 'timeout', openSince: '2026-12-02T08:00:00.000Z' },
    });
  });
  it('turns missing or mistyped fields into null instead of throwing', () => {
    expect(sidecarSummary('nonsense')).toEqual({ status: 'ok', backend: null, opTimeoutMs: null, breaker: { state: null, consecutiveFailures: null, lastError: null, openSince: null } });
    expect(sidecarSummary({ backend: 7, breaker: [] }).backend).toBeNull();
  });
});

describe('llmSummary', () => {
  it('lists providers by name with breaker, error rate and the last error kind only', () => {
    const raw = { providers: {
      openai: { breaker: 'open', window: { calls: 12, failures: 9, errorPct: 75 }, lastError: { kind: 'server', at: '2026-11-25T21:07:32.146Z' } },
      anthropic: { breaker: 'closed', window: { calls: 3, failures: 0, errorPct: 0 }, lastError: null },
    } };
    expect(llmSummary(raw)).toEqual({ status: 'ok', providers: [
      { name: 'anthropic', breaker: 'closed', errorPct: 0, calls: 3, failures: 0, lastErrorKind: null, lastErrorAt: null },
      { name: 'openai', breaker: 'open', errorPct: 75, calls: 12, failures: 9, lastErrorKind: 'server', lastErrorAt: '2026-11-25T21:07:32.146Z' },
    ] });
  });
  it('is an empty list for an answer without providers', () => {
    expect(llmSummary(null)).toEqual({ status: 'ok', providers: [] });
  });
});

describe('queuesSummary', () => {
  const health = {
    queue: 'render', status: 'degraded', reasons: ['lag p95 over 30 s'], source: 'collector', readAt: 1,
    counts: { waiting: 3 }, readyBacklog: 3, oldestReadyAgeSeconds: 0.41, isPaused: false,
    capacity: { workers: 2, totalConcurrency: 16, utilization: 0.5, backlogPerSlot: 0.19 },
    autoscaling: { desiredWorkers: 2, reason: 'backlog', backlogPerSlot: 0.19, oldestReadyAgeSeconds: 0.41, lagP95Seconds: 0.5 },
    local: { errorRatio: { '1m': 0.01, '5m': 0.012 }, lagSeconds: { p50: 0.02, p95: 0.09, p99: 0.24 } },
  };
  it('takes backlog, oldest ready age, lag p95 and the 5-minute error ratio of each queue', () => {
    expect(queuesSummary({ queues: [health] })).toEqual({ status: 'ok', queues: [{
      name: 'render', health: 'degraded', reasons: ['lag p95 over 30 s'], source: 'collector',
      backlog: 3, oldestReadyAgeSeconds: 0.41, lagP95Seconds: 0.09, errorRatio: 0.012, workers: 2, paused: false,
    }] });
  });
  it('falls back to the autoscaling lag when the local window has none, and keeps nulls of an unreadable queue', () => {
    const unreadable = { queue: 'mail', status: 'unhealthy', reasons: [], source: 'unavailable', readyBacklog: null, oldestReadyAgeSeconds: null, capacity: null, autoscaling: null, local: { errorRatio: { '5m': null }, lagSeconds: { p95: null } } };
    const noLocalLag = { ...health, local: { errorRatio: {}, lagSeconds: { p95: null } } };
    const [mail, render] = queuesSummary({ queues: [noLocalLag, unreadable] }).queues;
    expect(render.lagP95Seconds).toBe(0.5);
    expect(mail).toMatchObject({ name: 'mail', backlog: null, oldestReadyAgeSeconds: null, lagP95Seconds: null, errorRatio: null, workers: null, source: 'unavailable' });
  });
  it('drops entries without a queue name', () => {
    expect(queuesSummary({ queues: [{}, 'x', null] }).queues).toEqual([]);
  });
});

describe('autoscalersSummary', () => {
  const qas = (name: string, namespace: string, status?: Record<string, unknown>) => ({
    metadata: { name, namespace },
    spec: { scaleTargetRef: { name: `${name}-worker` }, queue: { name: 'render' } },
    status,
  });
  it('shows each autoscaler\'s replicas, Ready condition and last metrics, sorted by namespace and name', () => {
    const status = {
      currentReplicas: 2, desiredReplicas: 4, lastScaleTime: '2026-12-02T08:00:00Z',
      lastMetrics: { readyBacklog: 40, oldestReadyAgeSeconds: 12.5, readTime: '2026-12-02T08:00:05Z' },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'scale up to 4 on backlog' },
        { type: 'ScalingLimited', status: 'True', reason: 'ScaleUpLimit', message: '…' },
      ],
    };
    const out = autoscalersSummary({ items: [qas('b', 'prod', status), qas('a', 'prod'), qas('z', 'dev')] }, null);
    expect(out.status).toBe('ok');
    if (out.status !== 'ok') return;
    expect(out.items.map((i) => `${i.namespace}/${i.name}`)).toEqual(['dev/z', 'prod/a', 'prod/b']);
    expect(out.items[2]).toEqual({
      namespace: 'prod', name: 'b', target: 'b-worker', queue: 'render', currentReplicas: 2, desiredReplicas: 4, lastScaleTime: '2026-12-02T08:00:00Z',
      ready: { status: 'True', reason: 'Reconciled', message: 'scale up to 4 on backlog' },
      scalingLimited: { status: 'True', reason: 'ScaleUpLimit' },
      lastMetrics: { readyBacklog: 40, oldestReadyAgeSeconds: 12.5, lagP95Seconds: null, readTime: '2026-12-02T08:00:05Z' },
    });
    expect(out.items[1]).toMatchObject({ name: 'a', ready: null, lastMetrics: null, currentReplicas: null });
  });
  it('cuts long texts so one odd status cannot flood the page', () => {
    const out = autoscalersSummary({ items: [qas('a', 'ns', { conditions: [{ type: 'Ready', status: 'False', reason: 'ApiError', message: 'x'.repeat(5000) }] })] }, 'ns');
    if (out.status !== 'ok') throw new Error('expected ok');
    expect(out.items[0].ready?.message).toHaveLength(200);
  });
});

describe('describeFailure', () => {
  it('names timeouts, refused connections and HTTP statuses in a few words', () => {
    expect(describeFailure(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(describeFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }))).toBe('connection refused');
    expect(describeFailure(Object.assign(new Error('status'), { status: 503 }))).toBe('HTTP 503');
    expect(describeFailure(Object.assign(new Error('HTTP-Code: 403 Message: forbidden'), { code: 403 }))).toMatch(/^HTTP 403: not allowed/);
    expect(describeFailure(new SyntaxError('Unexpected token'))).toBe('invalid JSON');
  });
  it('never repeats the error\'s own message, which may hold a URL or a body', () => {
    expect(describeFailure(new Error('https://user:s3cret@host/ failed'))).toBe('unreachable');
  });
});
