/**
 * Tokens and cost per tenant, provider and model (`llm_tenant_tokens_total`,
 * `llm_cost_usd_total`), and the requests the key limits refused
 * (`llm_key_rejections_total`). The tenant is a configured or validated name,
 * never a key; like models, at most a bounded number of distinct values is
 * kept before the rest report as `other`.
 */
import type { BoundCounter, Metrics } from '#pkg/metrics/index.ts';
import type { Usage } from '../canonical.ts';
import type { PriceTable } from './price-table.ts';

const MAX_VALUES = 200;

interface Bound { input: BoundCounter; output: BoundCounter; cost: BoundCounter }

export class CostMetrics {
  readonly #prices: PriceTable;
  readonly #tokens;
  readonly #cost;
  readonly #unpriced;
  readonly #rejections;
  readonly #bound = new Map<string, Bound>();
  readonly #tenants = new Set<string>();
  readonly #models = new Set<string>();

  constructor(metrics: Metrics, prices: PriceTable) {
    this.#prices = prices;
    const attributes = { tenant: 'pilotfish.tenant', provider: 'gen_ai.system', model: 'gen_ai.request.model' } as const;
    this.#tokens = metrics.counter({
      name: 'llm_tenant_tokens_total', help: 'Tokens providers reported, by tenant, provider, model and type (input, output).',
      labelNames: ['tenant', 'provider', 'model', 'type'] as const,
      otel: { name: 'pilotfish.llm.tenant.tokens', unit: '{token}', attributes: { ...attributes, type: 'gen_ai.token.type' } },
    });
    this.#cost = metrics.counter({
      name: 'llm_cost_usd_total', help: 'Cost of the answers in USD at the price table\'s list prices, by tenant, provider and model.',
      labelNames: ['tenant', 'provider', 'model'] as const,
      otel: { name: 'pilotfish.llm.cost', unit: '[USD]', attributes },
    });
    this.#unpriced = metrics.counter({
      name: 'llm_unpriced_answers_total', help: 'Answers whose model is not in the price table (their cost is not counted), by model.',
      labelNames: ['model'] as const,
    });
    this.#rejections = metrics.counter({
      name: 'llm_key_rejections_total', help: 'Requests refused by client keys, by tenant and reason (unknown_key, model, rpm, tpm, budget).',
      labelNames: ['tenant', 'reason'] as const, otel: { name: 'pilotfish.llm.key.rejections', unit: '{request}', attributes: { tenant: 'pilotfish.tenant' } },
    });
  }

  #cap(set: Set<string>, value: string): string {
    if (set.has(value)) return value;
    if (set.size >= MAX_VALUES) return 'other';
    set.add(value);
    return value;
  }

  /** Counts one answer's tokens and cost; returns the cost in USD (undefined when the model has no price). */
  record(tenant: string, provider: string, model: string, usage: Usage | undefined): number | undefined {
    if (!usage) return undefined;
    const t = this.#cap(this.#tenants, tenant);
    const m = this.#cap(this.#models, model);
    const key = `${t}\u0000${provider}\u0000${m}`;
    let b = this.#bound.get(key);
    if (!b) {
      b = {
        input: this.#tokens.bind({ tenant: t, provider, model: m, type: 'input' }),
        output: this.#tokens.bind({ tenant: t, provider, model: m, type: 'output' }),
        cost: this.#cost.bind({ tenant: t, provider, model: m }),
      };
      this.#bound.set(key, b);
    }
    if (usage.inputTokens) b.input.inc(usage.inputTokens);
    if (usage.outputTokens) b.output.inc(usage.outputTokens);
    const usd = this.#prices.cost(model, usage);
    if (usd === undefined) { this.#unpriced.inc({ model: m }); return undefined; }
    if (usd > 0) b.cost.inc(usd);
    return usd;
  }

  rejected(tenant: string, reason: string): void {
    this.#rejections.inc({ tenant: this.#cap(this.#tenants, tenant), reason });
  }
}
