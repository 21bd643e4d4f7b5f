import { orderByLatency, orderByWeight, type Choice } from './balance.ts';
import type { LatencyTracker } from './latency.ts';
import { ModelTable } from './model-table.ts';
import type { RoutingMode } from './spec.ts';

export interface UpstreamRoutingOptions {
  upstreams: readonly { name: string; models: readonly string[]; weight: number }[];
  /** Default `weighted`. */
  mode?: RoutingMode;
  /** Share of exploring picks under `latency`. Default 0.1. */
  explore?: number;
  /** Whether an upstream's breaker lets a call through now. Default: always. */
  allows?: (name: string) => boolean;
  /** Observed latencies (fed by ObservedBreaker). Required for `latency`. */
  latency?: LatencyTracker;
  /** Uniform [0, 1). Default Math.random; tests seed it. */
  random?: () => number;
}

/** The named upstreams' part of routing (the Router asks it which upstreams serve a model, and in which order to try them). */
export class UpstreamRouting {
  readonly #table: ModelTable;
  readonly #weights: Map<string, number>;
  readonly #mode: RoutingMode;
  readonly #explore: number;
  readonly #allows: (name: string) => boolean;
  readonly #latency: LatencyTracker | undefined;
  readonly #random: () => number;

  constructor(o: UpstreamRoutingOptions) {
    this.#table = new ModelTable(o.upstreams);
    this.#weights = new Map(o.upstreams.map((u) => [u.name, u.weight]));
    this.#mode = o.mode ?? 'weighted';
    this.#explore = o.explore ?? 0.1;
    this.#allows = o.allows ?? (() => true);
    this.#latency = o.latency;
    this.#random = o.random ?? Math.random;
    if (this.#mode === 'latency' && !this.#latency) throw new Error('routing: latency needs a LatencyTracker');
  }

  /** Whether `name` is a named upstream (for the `name/model` prefix). */
  has(name: string): boolean {
    return this.#weights.has(name);
  }

  serving(model: string): string[] {
    return this.#table.serving(model);
  }

  /** The order to try `names` in (all serve the same model). */
  order(names: readonly string[]): string[] {
    if (names.length < 2) return [...names];
    const choices: Choice[] = names.map((name) => ({ name, weight: this.#weights.get(name) ?? 1, allows: this.#allows(name), latencyMs: this.#latency?.get(name) }));
    return this.#mode === 'latency'
      ? orderByLatency(choices, this.#explore, this.#random(), this.#random())
      : orderByWeight(choices, this.#random());
  }

  listed(): { name: string; model: string }[] {
    return this.#table.listed();
  }
}
