/**
 * The admin overview's shapes, pure: each source's raw status answer (cache
 * sidecar, LLM proxy, worker health API, QueueAutoscaler list) narrowed to the
 * few figures the page shows. Inputs are untrusted JSON from other processes:
 * a missing or mistyped field becomes null, never an exception, so one odd
 * answer cannot fail the page.
 */

export type Unreachable = { status: 'unreachable'; error: string };

export interface SidecarSummary {
  status: 'ok';
  backend: string | null;
  breaker: { state: string | null; consecutiveFailures: number | null; lastError: string | null; openSince: string | null };
  opTimeoutMs: number | null;
}

interface ProviderSummary {
  name: string;
  breaker: string | null;
  /** Failed calls over the proxy's window, percent. */
  errorPct: number | null;
  calls: number | null;
  failures: number | null;
  lastErrorKind: string | null;
  lastErrorAt: string | null;
}

export interface LlmSummary { status: 'ok'; providers: ProviderSummary[] }

interface QueueSummary {
  name: string;
  health: string | null;
  reasons: string[];
  /** Where the worker read queue-side figures: collector, direct, unavailable. */
  source: string | null;
  backlog: number | null;
  oldestReadyAgeSeconds: number | null;
  lagP95Seconds: number | null;
  /** Failed attempts over finished attempts, 5 minutes, in the process that answered. */
  errorRatio: number | null;
  workers: number | null;
  paused: boolean | null;
}

export interface QueuesSummary { status: 'ok'; queues: QueueSummary[] }

interface AutoscalerSummary {
  namespace: string | null;
  name: string;
  target: string | null;
  queue: string | null;
  currentReplicas: number | null;
  desiredReplicas: number | null;
  lastScaleTime: string | null;
  ready: { status: string; reason: string | null; message: string | null } | null;
  scalingLimited: { status: string; reason: string | null } | null;
  lastMetrics: { readyBacklog: number | null; oldestReadyAgeSeconds: number | null; lagP95Seconds: number | null; readTime: string | null } | null;
}

export type AutoscalersSummary =
  | { status: 'ok'; cluster: 'reachable'; namespace: string | null; items: AutoscalerSummary[] }
  | { status: 'none'; cluster: 'none' }
  | { status: 'unreachable'; cluster: 'unreachable'; error: string };

const MAX_TEXT = 200;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
/** Short text: a status answer is not a place for long strings, and the page shows one line. */
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v.slice(0, MAX_TEXT) : null);

/** The sidecar's `GET /v1/status` (pkg/cachesidecar/sidecar.ts). */
export function sidecarSummary(raw: unknown): SidecarSummary {
  const body = obj(raw) ?? {};
  const breaker = obj(body.breaker) ?? {};
  return {
    status: 'ok',
    backend: text(body.backend),
    breaker: { state: text(breaker.state), consecutiveFailures: num(breaker.consecutiveFailures), lastError: text(breaker.lastError), openSince: text(breaker.openSince) },
    opTimeoutMs: num(body.opTimeoutMs),
  };
}

/** The LLM proxy's `GET /v1/status` (pkg/llmproxy/status.ts), providers by name. */
export function llmSummary(raw: unknown): LlmSummary {
  const providers = obj(obj(raw)?.providers) ?? {};
  return {
    status: 'ok',
    providers: Object.keys(providers).sort().map((name) => {
      const p = obj(providers[name]) ?? {};
      const window = obj(p.window) ?? {};
      const lastError = obj(p.lastError);
      return {
        name: name.slice(0, MAX_TEXT),
        breaker: text(p.breaker),
        errorPct: num(window.errorPct),
        calls: num(window.calls),
        failures: num(window.failures),
        lastErrorKind: text(lastError?.kind),
        lastErrorAt: text(lastError?.at),
      };
    }),
  };
}

/** The worker's `GET /v1/queues` (pkg/queue/health.ts QueueHealth), queues by name. */
export function queuesSummary(raw: unknown): QueuesSummary {
  const list = obj(raw)?.queues;
  const queues = (Array.isArray(list) ? list : []).map((entry): QueueSummary | null => {
    const q = obj(entry);
    const name = text(q?.queue);
    if (!q || !name) return null;
    const local = obj(q.local) ?? {};
    const lag = obj(local.lagSeconds) ?? {};
    const errorRatio = obj(local.errorRatio) ?? {};
    const autoscaling = obj(q.autoscaling) ?? {};
    const capacity = obj(q.capacity) ?? {};
    return {
      name,
      health: text(q.status),
      reasons: (Array.isArray(q.reasons) ? q.reasons : []).map(text).filter((r): r is string => r !== null).slice(0, 10),
      source: text(q.source),
      backlog: num(q.readyBacklog),
      oldestReadyAgeSeconds: num(q.oldestReadyAgeSeconds),
      lagP95Seconds: num(lag.p95) ?? num(autoscaling.lagP95Seconds),
      errorRatio: num(errorRatio['5m']),
      workers: num(capacity.workers),
      paused: bool(q.isPaused),
    };
  });
  return { status: 'ok', queues: queues.filter((q): q is QueueSummary => q !== null).sort((a, b) => a.name.localeCompare(b.name)) };
}

/** One QueueAutoscaler object (the CRD's status as the controller writes it: pkg/autoscaler/conditions.ts). */
function autoscalerSummary(raw: unknown): AutoscalerSummary | null {
  const o = obj(raw);
  const metadata = obj(o?.metadata);
  const name = text(metadata?.name);
  if (!o || !metadata || !name) return null;
  const spec = obj(o.spec) ?? {};
  const status = obj(o.status) ?? {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(obj).filter((c): c is Obj => c !== null) : [];
  const condition = (type: string) => conditions.find((c) => c.type === type);
  const ready = condition('Ready');
  const limited = condition('ScalingLimited');
  const metrics = obj(status.lastMetrics);
  return {
    namespace: text(metadata.namespace),
    name,
    target: text(obj(spec.scaleTargetRef)?.name),
    queue: text(obj(spec.queue)?.name),
    currentReplicas: num(status.currentReplicas),
    desiredReplicas: num(status.desiredReplicas),
    lastScaleTime: text(status.lastScaleTime),
    ready: ready ? { status: text(ready.status) ?? 'Unknown', reason: text(ready.reason), message: text(ready.message) } : null,
    scalingLimited: limited ? { status: text(limited.status) ?? 'Unknown', reason: text(limited.reason) } : null,
    lastMetrics: metrics
      ? { readyBacklog: num(metrics.readyBacklog), oldestReadyAgeSeconds: num(metrics.oldestReadyAgeSeconds), lagP95Seconds: num(metrics.lagP95Seconds), readTime: text(metrics.readTime) }
      : null,
  };
}

/** A list answer (`{items: [...]}`) of QueueAutoscalers, sorted by namespace then name. */
export function autoscalersSummary(raw: unknown, namespace: string | null): AutoscalersSummary {
  const items = obj(raw)?.items;
  const summaries = (Array.isArray(items) ? items : []).map(autoscalerSummary).filter((a): a is AutoscalerSummary => a !== null);
  summaries.sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name));
  return { status: 'ok', cluster: 'reachable', namespace, items: summaries };
}

/**
 * Why a source did not answer, in a few words for the page. Never the
 * source's own error text: it could carry a URL with credentials or a body.
 */
export function describeFailure(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown; cause?: { code?: unknown }; status?: unknown; statusCode?: unknown } | null;
  if (e && typeof e === 'object') {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
    const code = typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : null;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
    const status = typeof e.status === 'number' ? e.status : typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : null;
    if (status === 401 || status === 403) return `HTTP ${status}: not allowed (check the app's credentials for this source)`;
    if (status !== null) return `HTTP ${status}`;
    if (e.name === 'SyntaxError') return 'invalid JSON';
  }
  return 'unreachable';
}
