/**
 * The cache layer's instruments, defined once. Each event is recorded once
 * and reaches both Prometheus and OpenTelemetry through pkg/metrics:
 *
 * | Prometheus | OpenTelemetry |
 * |---|---|
 * | `cache_requests_total{op,result,backend,scope}` | `cache.requests` (`cache.operation`, `cache.result`, `cache.backend`, `cache.scope`) |
 * | `cache_errors_total{op,kind,backend}` | `cache.errors` (`cache.operation`, `error.type`, `cache.backend`) |
 * | `cache_ttl_seconds{scope}` histogram | `cache.ttl` histogram, unit `ms` (`cache.scope`) |
 * | `cache_request_duration_seconds{op,backend}` histogram | `cache.request.duration`, unit `s` |
 *
 * Scope labels are bounded: past `maxScopes` distinct scopes, new ones are
 * counted as `_other` so a misbehaving caller cannot blow up cardinality.
 */
import { LATENCY_BUCKETS_SECONDS, type BoundCounter, type BoundHistogram, type Counter, type Histogram, type Metrics } from '#pkg/metrics/index.ts';
import type { BackendName } from './types.ts';
import type { CacheErrorKind } from './errors.ts';

export type CacheOp = 'get' | 'set' | 'del' | 'mget' | 'mset' | 'tx';
export type CacheResult = 'hit' | 'miss' | 'ok' | 'unavailable' | 'error';

/** Effective TTL buckets, seconds: 1 s to 1 day. */
const TTL_BUCKETS_SECONDS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 21600, 86400];

export interface CacheMetricsOptions {
  /** Distinct scope label values kept before new scopes become `_other`. Default 200. */
  maxScopes?: number;
}

/** Pre-bound counters for one (op, backend, scope): the hot path increments without label lookups. */
export interface BoundRequests {
  hit: BoundCounter;
  miss: BoundCounter;
  ok: BoundCounter;
  unavailable: BoundCounter;
  error: BoundCounter;
}

/** Everything a GET of one (backend, scope) records, bound once. */
export interface BoundGet extends BoundRequests {
  duration: BoundHistogram;
}

const OTHER_SCOPE = '_other';

export class CacheMetrics {
  readonly requests: Counter<'op' | 'result' | 'backend' | 'scope'>;
  readonly errors: Counter<'op' | 'kind' | 'backend'>;
  readonly ttl: Histogram<'scope'>;
  readonly duration: Histogram<'op' | 'backend'>;
  readonly #maxScopes: number;
  readonly #scopes = new Set<string>();
  readonly #bound = new Map<string, BoundRequests>();
  readonly #boundTtl = new Map<string, BoundHistogram>();
  readonly #boundDuration = new Map<string, BoundHistogram>();
  readonly #boundErrors = new Map<string, BoundCounter>();
  /** By backend, then by the scope as requested: at most `maxScopes` + 1 entries each, as scopes past the cap are not kept. */
  readonly #boundGets = new Map<BackendName, Map<string, BoundGet>>();

  constructor(metrics: Metrics, options: CacheMetricsOptions = {}) {
    this.#maxScopes = options.maxScopes ?? 200;
    this.requests = metrics.counter({
      name: 'cache_requests_total',
      help: 'Cache operations by result (hit, miss, ok, unavailable, error)',
      labelNames: ['op', 'result', 'backend', 'scope'],
      otel: { name: 'cache.requests', unit: '{request}', attributes: { op: 'cache.operation', result: 'cache.result', backend: 'cache.backend', scope: 'cache.scope' } },
    });
    this.errors = metrics.counter({
      name: 'cache_errors_total',
      help: 'Failed cache operations by error kind',
      labelNames: ['op', 'kind', 'backend'],
      otel: { name: 'cache.errors', unit: '{error}', attributes: { op: 'cache.operation', kind: 'error.type', backend: 'cache.backend' } },
    });
    this.ttl = metrics.histogram({
      name: 'cache_ttl_seconds',
      help: 'Effective TTL of written entries, after the policy clamped it',
      labelNames: ['scope'],
      buckets: TTL_BUCKETS_SECONDS,
      otel: { name: 'cache.ttl', unit: 'ms', scale: 1000, attributes: { scope: 'cache.scope' } },
    });
    this.duration = metrics.histogram({
      name: 'cache_request_duration_seconds',
      help: 'Duration of cache operations against the backend',
      labelNames: ['op', 'backend'],
      buckets: LATENCY_BUCKETS_SECONDS,
      otel: { name: 'cache.request.duration', unit: 's', attributes: { op: 'cache.operation', backend: 'cache.backend' } },
    });
  }

  /** The scope label for a scope: itself, or `_other` once `maxScopes` distinct scopes were seen. */
  scopeLabel(scope: string): string {
    if (this.#scopes.has(scope)) return scope;
    if (this.#scopes.size >= this.#maxScopes) return OTHER_SCOPE;
    this.#scopes.add(scope);
    return scope;
  }

  /** Bound request counters for (op, backend, scope), created once and reused: keep the result on hot paths. */
  bound(op: CacheOp, backend: BackendName, scope: string): BoundRequests {
    const label = this.scopeLabel(scope);
    const id = `${op}\u0000${backend}\u0000${label}`;
    let b = this.#bound.get(id);
    if (b === undefined) {
      const of = (result: CacheResult) => this.requests.bind({ op, result, backend, scope: label });
      b = { hit: of('hit'), miss: of('miss'), ok: of('ok'), unavailable: of('unavailable'), error: of('error') };
      this.#bound.set(id, b);
    }
    return b;
  }

  /**
   * GET's instruments for (backend, scope) in one map lookup by the scope
   * itself: no label key is built per request. A scope past the cap maps to
   * the `_other` set without being remembered.
   */
  gets(backend: BackendName, scope: string): BoundGet {
    let byScope = this.#boundGets.get(backend);
    if (byScope === undefined) {
      byScope = new Map();
      this.#boundGets.set(backend, byScope);
    }
    const known = byScope.get(scope);
    if (known !== undefined) return known;
    const label = this.scopeLabel(scope);
    const set: BoundGet = { ...this.bound('get', backend, label), duration: this.durationOf('get', backend) };
    if (label === scope) byScope.set(scope, set);
    return set;
  }

  request(op: CacheOp, result: CacheResult, backend: BackendName, scope: string): void {
    this.bound(op, backend, scope)[result].inc();
  }

  error(op: CacheOp, kind: CacheErrorKind, backend: BackendName): void {
    const id = `${op}\u0000${kind}\u0000${backend}`;
    let c = this.#boundErrors.get(id);
    if (c === undefined) {
      c = this.errors.bind({ op, kind, backend });
      this.#boundErrors.set(id, c);
    }
    c.inc();
  }

  /** Records an effective TTL, in ms. */
  observeTtl(scope: string, ttlMs: number): void {
    const label = this.scopeLabel(scope);
    let h = this.#boundTtl.get(label);
    if (h === undefined) {
      h = this.ttl.bind({ scope: label });
      this.#boundTtl.set(label, h);
    }
    h.observe(ttlMs / 1000);
  }

  /** Bound duration histogram for (op, backend); observe seconds. */
  durationOf(op: CacheOp, backend: BackendName): BoundHistogram {
    const id = `${op}\u0000${backend}`;
    let h = this.#boundDuration.get(id);
    if (h === undefined) {
      h = this.duration.bind({ op, backend });
      this.#boundDuration.set(id, h);
    }
    return h;
  }
}
