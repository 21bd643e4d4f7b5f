/**
 * The app's instruments: request duration per route and status, the cache
 * outcome of each cached answer, and chat tool rounds. Outcome counts are also
 * kept in process for the admin page, which shows this pod's figures live.
 */
import type { Metrics } from '#pkg/metrics/index.ts';

export type CacheOutcome = 'hit' | 'miss' | 'unavailable' | 'bypass';

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class AppMetrics {
  readonly #duration;
  readonly #outcomes;
  readonly #toolRounds;
  readonly #chats;
  readonly #local = new Map<string, Record<CacheOutcome, number>>();

  constructor(metrics: Metrics) {
    this.#duration = metrics.histogram({
      name: 'app_http_request_duration_seconds', help: 'App HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'] as const, buckets: DURATION_BUCKETS,
      otel: { name: 'http.server.request.duration', unit: 's', attributes: { route: 'http.route', method: 'http.request.method', status: 'http.response.status_code' } },
    });
    this.#outcomes = metrics.counter({
      name: 'app_cache_outcomes_total', help: 'X-Cache outcome of each cached-route answer', labelNames: ['route', 'outcome'] as const,
      otel: { name: 'app.cache.outcomes', unit: '{response}', attributes: { route: 'http.route', outcome: 'cache.result' } },
    });
    this.#toolRounds = metrics.counter({
      name: 'app_chat_tool_rounds_total', help: 'Tool rounds run by the chat orchestrator',
      otel: { name: 'app.chat.tool_rounds', unit: '{round}' },
    }).bind({});
    this.#chats = metrics.counter({
      name: 'app_chats_total', help: 'Chats by how they ended', labelNames: ['result'] as const,
      otel: { name: 'app.chats', unit: '{chat}', attributes: { result: 'app.chat.result' } },
    });
  }

  request(route: string, method: string, status: number, seconds: number): void {
    this.#duration.observe({ route, method, status }, seconds);
  }

  cacheOutcome(route: string, outcome: CacheOutcome): void {
    this.#outcomes.inc({ route, outcome });
    let counts = this.#local.get(route);
    if (!counts) this.#local.set(route, (counts = { hit: 0, miss: 0, unavailable: 0, bypass: 0 }));
    counts[outcome]++;
  }

  toolRound(): void {
    this.#toolRounds.inc();
  }

  chatEnded(result: 'done' | 'error' | 'cancelled'): void {
    this.#chats.inc({ result });
  }

  /** This process's outcome counts per route, for the admin page. */
  cacheOutcomes(): Record<string, Record<CacheOutcome, number>> {
    return Object.fromEntries([...this.#local].map(([route, counts]) => [route, { ...counts }]));
  }
}
