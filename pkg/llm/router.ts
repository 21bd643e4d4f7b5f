import { invalid, LlmError } from './errors.ts';
import { PROVIDER_NAMES, type ProviderName } from './provider.ts';
import type { UpstreamRouting } from './upstreams/routing.ts';

/** `{"fast":{"openai":"gpt-4o-mini","anthropic":"claude-haiku-4-5"}}`: an alias and its model on each provider. */
export type Aliases = Record<string, Partial<Record<ProviderName, string>>>;

export interface RouterOptions {
  /** Provider for models no rule claims (`LLM_PROVIDER`). */
  defaultProvider: ProviderName;
  /** Providers that are configured and can be called. */
  available: ReadonlySet<ProviderName>;
  /** `LLM_MODEL_ALIASES`. Default none. */
  aliases?: Aliases;
  /** `LLM_FALLBACK`: providers to try, in order, after the chosen one. Default none. */
  fallback?: readonly ProviderName[];
  /** Named upstreams (`LLM_UPSTREAMS`): which serve a model, in which order. Default none. */
  upstreams?: UpstreamRouting;
}

export interface Candidate { provider: ProviderName; model: string }

export interface Route {
  /** The model string the caller sent. */
  requested: string;
  alias?: string;
  /** The chosen provider first, then the fallbacks that have a model to use. */
  candidates: Candidate[];
}

const PREFIXES: [RegExp, ProviderName][] = [
  [/^(gpt-|chatgpt-|o\d(-|$)|ft:gpt-|text-|davinci|babbage|gpt\d)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^mock($|-)/, 'mock'],
];

export function isProviderName(s: string): s is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(s);
}

/** The provider a model name implies by its prefix, if any. */
function providerForModel(model: string): ProviderName | undefined {
  for (const [re, p] of PREFIXES) if (re.test(model)) return p;
  return undefined;
}

/**
 * Pure routing: which provider serves a model, and which model each fallback
 * provider uses. Order of rules: the `x-llm-provider` header; an explicit
 * `provider/model`; an alias; a known prefix (`gpt-`, `o1`, `claude-`, …);
 * otherwise the default provider.
 */
export class Router {
  readonly #o: Required<Omit<RouterOptions, 'upstreams'>>;
  readonly #upstreams: UpstreamRouting | undefined;

  constructor(options: RouterOptions) {
    this.#o = { ...options, aliases: options.aliases ?? {}, fallback: options.fallback ?? [] };
    this.#upstreams = options.upstreams;
  }

  /** A built-in provider or a named upstream: what `x-llm-provider` and the `name/model` prefix may name. */
  #known(name: string): boolean {
    return isProviderName(name) || this.#upstreams?.has(name) === true;
  }

  get aliases(): Aliases {
    return this.#o.aliases;
  }

  resolve(model: string, forced?: string): Route {
    if (forced !== undefined && !this.#known(forced)) throw new LlmError('invalid_request', `unknown provider "${forced}" in x-llm-provider; use one of ${[...new Set([...PROVIDER_NAMES, ...this.#o.available])].join(', ')}`, { param: 'x-llm-provider' });
    if (forced !== undefined && !this.#o.available.has(forced)) throw new LlmError('invalid_request', `provider "${forced}" named by x-llm-provider is not configured on this proxy`, { param: 'x-llm-provider' });
    let provider: ProviderName | undefined = forced as ProviderName | undefined;
    let name = model;
    const slash = model.indexOf('/');
    // Only a configured name is a prefix: vLLM's `meta-llama/Llama-3.1-8B` is a model id.
    if (slash > 0 && this.#known(model.slice(0, slash))) {
      provider ??= model.slice(0, slash) as ProviderName;
      name = model.slice(slash + 1);
      if (!name) throw invalid('model is missing after the provider prefix', 'model');
    }
    const alias = Object.hasOwn(this.#o.aliases, name) ? this.#o.aliases[name] : undefined;
    if (!provider && alias) {
      provider = alias[this.#o.defaultProvider] !== undefined ? this.#o.defaultProvider
        : (Object.keys(alias) as ProviderName[]).find((p) => this.#o.available.has(p)) ?? (Object.keys(alias)[0] as ProviderName);
    }
    // Several upstreams may serve the model: the balancer orders them, the others stay on as fallbacks.
    const group = !provider && !alias && this.#upstreams ? this.#upstreams.order(this.#upstreams.serving(name)) : [];
    provider ??= group[0] ?? providerForModel(name) ?? this.#o.defaultProvider;

    const order = [...(group.length ? group : [provider]), ...this.#o.fallback.filter((p) => p !== provider)];
    const candidates: Candidate[] = [];
    for (const p of order) {
      if (!this.#o.available.has(p) || candidates.some((c) => c.provider === p)) continue;
      const mapped = p === provider || group.includes(p) ? (alias?.[p] ?? name) : this.#mapModel(name, alias, provider, p);
      if (mapped !== undefined) candidates.push({ provider: p, model: mapped });
    }
    if (candidates.length === 0) {
      throw new LlmError('invalid_request', `provider "${provider}" is not configured on this proxy (no API key) and no fallback can serve "${model}"`, { param: 'model' });
    }
    const route: Route = { requested: model, candidates };
    if (alias) route.alias = name;
    return route;
  }

  /** The model a fallback provider uses: the alias's entry, or the alias whose primary entry is this model; the mock takes any. */
  #mapModel(name: string, alias: Partial<Record<ProviderName, string>> | undefined, from: ProviderName, to: ProviderName): string | undefined {
    if (alias) return alias[to] ?? (to === 'mock' ? name : undefined);
    for (const entry of Object.values(this.#o.aliases)) {
      if (entry[from] === name && entry[to] !== undefined) return entry[to];
    }
    return to === 'mock' ? name : undefined;
  }

  /** Every model the proxy can route by name: aliases, and the concrete models aliases point at. */
  models(): { id: string; provider?: ProviderName; alias: boolean }[] {
    const out: { id: string; provider?: ProviderName; alias: boolean }[] = [];
    const seen = new Set<string>();
    for (const [name, entry] of Object.entries(this.#o.aliases)) {
      out.push({ id: name, alias: true });
      for (const [p, m] of Object.entries(entry) as [ProviderName, string][]) {
        if (!this.#o.available.has(p) || seen.has(`${p}/${m}`)) continue;
        seen.add(`${p}/${m}`);
        out.push({ id: `${p}/${m}`, provider: p, alias: false });
      }
    }
    for (const { name, model } of this.#upstreams?.listed() ?? []) {
      if (this.#o.available.has(name) && !seen.has(`${name}/${model}`)) { seen.add(`${name}/${model}`); out.push({ id: `${name}/${model}`, provider: name, alias: false }); }
    }
    if (this.#o.available.has('mock')) out.push({ id: 'mock/mock-1', provider: 'mock', alias: false });
    return out;
  }
}
