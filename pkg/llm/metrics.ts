import { trace, SpanKind, SpanStatusCode, type Attributes, type Span, type Histogram as OtelHistogram } from '@opentelemetry/api';
import { LATENCY_BUCKETS_SECONDS, type BoundCounter, type BoundHistogram, type Metrics } from '#pkg/metrics/index.ts';
import type { Dialect, Usage } from './canonical.ts';
import type { GatewayObserver } from './gateway.ts';
import type { BreakerState } from './resilience/breaker.ts';

export type Outcome = 'success' | 'degraded' | 'client_error' | 'error' | 'aborted';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
/** The proxy's own time is tens of µs to a few ms: finer buckets than the request latency's. */
const OVERHEAD_BUCKETS_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];
/** Distinct model label values kept before new ones are reported as `other` (bounds cardinality). */
const MAX_MODELS = 200;

/**
 * The LLM proxy's instruments: Prometheus names of the issue, OpenTelemetry
 * GenAI semantic conventions for the same events. Label sets are bound once
 * and cached, so the hot path does a map lookup, not a label resolution.
 */
export class LlmMetrics implements GatewayObserver {
  readonly #requests;
  readonly #duration;
  readonly #ttft;
  readonly #tokens;
  readonly #retries;
  readonly #fallbacks;
  readonly #circuit;
  readonly #tokenUsage: OtelHistogram;
  readonly #overhead: BoundHistogram;
  readonly #upstreamWait: BoundHistogram;
  readonly #bound = new Map<string, { count: BoundCounter; duration: BoundHistogram }>();
  readonly #boundTtft = new Map<string, BoundHistogram>();
  readonly #boundTokens = new Map<string, { input: BoundCounter; output: BoundCounter; inputAttrs: Attributes; outputAttrs: Attributes }>();
  readonly #models = new Set<string>();
  readonly #tracer = trace.getTracer('pilotfish.llm');

  constructor(metrics: Metrics) {
    const genai = { provider: 'gen_ai.system', model: 'gen_ai.request.model' } as const;
    this.#requests = metrics.counter({
      name: 'llm_requests_total', help: 'LLM requests answered, by serving provider, model, caller dialect and outcome.',
      labelNames: ['provider', 'model', 'dialect', 'outcome'] as const,
      otel: { name: 'pilotfish.llm.requests', unit: '{request}', attributes: genai },
    });
    this.#duration = metrics.histogram({
      name: 'llm_request_duration_seconds', help: 'Time from request received to the last byte answered.',
      labelNames: ['provider', 'model', 'dialect', 'outcome'] as const, buckets: LATENCY_BUCKETS_SECONDS,
      otel: { name: 'gen_ai.client.operation.duration', unit: 's', attributes: genai },
    });
    this.#ttft = metrics.histogram({
      name: 'llm_time_to_first_token_seconds', help: 'Time from request received to the first streamed byte sent.',
      labelNames: ['provider', 'model', 'dialect'] as const, buckets: LATENCY_BUCKETS_SECONDS,
      otel: { name: 'gen_ai.server.time_to_first_token', unit: 's', attributes: genai },
    });
    this.#tokens = metrics.counter({
      name: 'llm_tokens_total', help: 'Tokens reported by providers, by type (input, output).',
      labelNames: ['provider', 'model', 'type'] as const,
    });
    this.#retries = metrics.counter({
      name: 'llm_retries_total', help: 'Upstream attempts retried, by provider and the failure that caused the retry.',
      labelNames: ['provider', 'reason'] as const, otel: { name: 'pilotfish.llm.retries', unit: '{retry}' },
    });
    this.#fallbacks = metrics.counter({
      name: 'llm_fallbacks_total', help: 'Fallbacks from one provider to the next (or to the degraded answer).',
      labelNames: ['from', 'to', 'reason'] as const, otel: { name: 'pilotfish.llm.fallbacks', unit: '{fallback}' },
    });
    this.#circuit = metrics.gauge({
      name: 'llm_circuit_state', help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.',
      labelNames: ['provider'] as const, otel: { name: 'pilotfish.llm.circuit.state', attributes: { provider: 'gen_ai.system' } },
    });
    // Label-free: the proxy's own cost per answer, apart from the upstream's (the Server-Timing split).
    this.#overhead = metrics.histogram({
      name: 'llm_proxy_overhead_seconds', help: 'The proxy\'s own time per answer, upstream time excluded (streams: up to the first byte).',
      labelNames: [] as const, buckets: OVERHEAD_BUCKETS_SECONDS,
    }).bind({});
    this.#upstreamWait = metrics.histogram({
      name: 'llm_proxy_upstream_seconds', help: 'Time per answer spent waiting on upstreams, retries and fallbacks included (streams: up to their first event).',
      labelNames: [] as const, buckets: LATENCY_BUCKETS_SECONDS,
    }).bind({});
    this.#tokenUsage = metrics.meter.createHistogram('gen_ai.client.token.usage', {
      description: 'Tokens used per request, by gen_ai.token.type.', unit: '{token}',
      advice: { explicitBucketBoundaries: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] },
    });
  }

  #model(model: string): string {
    if (this.#models.has(model)) return model;
    if (this.#models.size >= MAX_MODELS) return 'other';
    this.#models.add(model);
    return model;
  }

  /** One answer's Server-Timing split, in seconds. */
  overhead(proxySeconds: number, upstreamSeconds: number): void {
    this.#overhead.observe(Math.max(0, proxySeconds));
    this.#upstreamWait.observe(upstreamSeconds);
  }

  request(provider: string, model: string, dialect: Dialect, outcome: Outcome, seconds: number): void {
    const m = this.#model(model);
    const key = `${provider}\u0000${m}\u0000${dialect}\u0000${outcome}`;
    let b = this.#bound.get(key);
    if (!b) {
      const labels = { provider, model: m, dialect, outcome };
      b = { count: this.#requests.bind(labels), duration: this.#duration.bind(labels) };
      this.#bound.set(key, b);
    }
    b.count.inc();
    b.duration.observe(seconds);
  }

  firstToken(provider: string, model: string, dialect: Dialect, seconds: number): void {
    const m = this.#model(model);
    const key = `${provider}\u0000${m}\u0000${dialect}`;
    let b = this.#boundTtft.get(key);
    if (!b) { b = this.#ttft.bind({ provider, model: m, dialect }); this.#boundTtft.set(key, b); }
    b.observe(seconds);
  }

  tokens(provider: string, model: string, usage: Usage | undefined): void {
    if (!usage) return;
    const m = this.#model(model);
    const key = `${provider}\u0000${m}`;
    let b = this.#boundTokens.get(key);
    if (!b) {
      const attrs = { 'gen_ai.system': provider, 'gen_ai.request.model': m, 'gen_ai.operation.name': 'chat' };
      b = {
        input: this.#tokens.bind({ provider, model: m, type: 'input' }),
        output: this.#tokens.bind({ provider, model: m, type: 'output' }),
        inputAttrs: { ...attrs, 'gen_ai.token.type': 'input' },
        outputAttrs: { ...attrs, 'gen_ai.token.type': 'output' },
      };
      this.#boundTokens.set(key, b);
    }
    if (usage.inputTokens) b.input.inc(usage.inputTokens);
    if (usage.outputTokens) b.output.inc(usage.outputTokens);
    this.#tokenUsage.record(usage.inputTokens, b.inputAttrs);
    this.#tokenUsage.record(usage.outputTokens, b.outputAttrs);
  }

  retry(provider: string, reason: string): void {
    this.#retries.inc({ provider, reason });
  }

  fallback(from: string, to: string, reason: string): void {
    this.#fallbacks.inc({ from, to, reason });
  }

  circuit(provider: string, state: BreakerState): void {
    this.#circuit.set({ provider }, STATE_VALUE[state]);
  }

  /** A CLIENT span with the GenAI attributes; ended by `endSpan`. */
  startSpan(model: string, dialect: Dialect): Span {
    return this.#tracer.startSpan(`chat ${model}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model, 'pilotfish.llm.dialect': dialect },
    });
  }

  endSpan(span: Span, provider: string, model: string, usage: Usage | undefined, error?: string): void {
    if (!span.isRecording()) { span.end(); return; }
    span.setAttribute('gen_ai.system', provider);
    span.setAttribute('gen_ai.response.model', model);
    if (usage) {
      span.setAttribute('gen_ai.usage.input_tokens', usage.inputTokens);
      span.setAttribute('gen_ai.usage.output_tokens', usage.outputTokens);
    }
    if (error) { span.setAttribute('error.type', error); span.setStatus({ code: SpanStatusCode.ERROR }); }
    span.end();
  }
}
