import { ProviderBreaker, type BreakerOptions } from '../resilience/breaker.ts';
import type { LatencyTracker } from './latency.ts';

/**
 * A provider breaker that also feeds `routing: latency`: the time of each successful call through it (a whole
 * answer, or a stream's connect and first event, as the breaker guards them). Failures are the breaker's business.
 */
export class ObservedBreaker extends ProviderBreaker {
  readonly #latency: LatencyTracker;

  constructor(name: string, latency: LatencyTracker, options: BreakerOptions = {}) {
    super(name, options);
    this.#latency = latency;
  }

  override async fire<T>(thunk: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const value = await super.fire(thunk);
    this.#latency.observe(this.name, performance.now() - t0);
    return value;
  }
}
