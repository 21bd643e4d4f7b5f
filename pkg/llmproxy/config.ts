import { EnvError, makeValidator } from 'envalid';
import { commaList, ConfigError, duration, flag, intInRange, isProduction, loadConfig, port, str, url, host } from '#pkg/config/index.ts';
import { PROVIDER_NAMES, type Aliases, type LlmSettings, type ProviderName } from '#pkg/llm/index.ts';
import { readUpstreamsEnv } from './upstreams-env.ts';
import { parseKeyMap, type KeyMap } from '#pkg/llm/keys/index.ts';
import { PriceTable } from '#pkg/llm/pricing/index.ts';
import { parseCacheRules, type CacheRule } from '#pkg/llm/response-cache/index.ts';

// The names LLM_PROVIDER, LLM_FALLBACK and the aliases may use: the built-in providers and the named upstreams.
const validators = (names: ReadonlySet<string>) => {
  const list = [...names].join(', ');
  return {
    providerOrEmpty: makeValidator<ProviderName | ''>((input) => {
      const v = String(input).trim().toLowerCase();
      if (v === '' || names.has(v)) return v;
      throw new EnvError(`expected one of ${list}`);
    }),
    providerList: makeValidator<ProviderName[]>((input) => {
      const l = String(input).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
      if (!l.every((p) => names.has(p))) throw new EnvError(`expected a comma list of ${list}`);
      return l;
    }),
    aliasesJson: makeValidator<Aliases>((input) => {
      let v: unknown;
      try { v = JSON.parse(String(input)); } catch { throw new EnvError('expected JSON'); }
      if (!aliasesValid(v, names)) throw new EnvError(`expected {"alias":{"<provider>":"model"}} with providers among ${list}`);
      return v;
    }),
  };
};
const { providerOrEmpty, providerList, aliasesJson } = validators(new Set(PROVIDER_NAMES));

// Parsed once at start; the error says what is wrong by entry number, never a key (envalid prints the message).
const keysJson = makeValidator<{ map: KeyMap; keys: string[] }>((input) => {
  try {
    const text = String(input);
    const map = parseKeyMap(text);
    return { map, keys: map.size ? Object.keys(JSON.parse(text) as object) : [] };
  } catch (err) { throw new EnvError((err as Error).message); }
});
const cacheRules = makeValidator<CacheRule[]>((input) => {
  try { return parseCacheRules(String(input)); } catch (err) { throw new EnvError((err as Error).message); }
});
const pricesFile = makeValidator<PriceTable>((input) => {
  try { return PriceTable.load(String(input) || undefined); } catch (err) { throw new EnvError((err as Error).message); }
});

/** Every environment variable of the LLM proxy, with its default. */
export const llmProxySpecs = {
  LLM_PROXY_HOST: host({ default: '127.0.0.1', desc: 'Data API bind address' }),
  LLM_PROXY_PORT: port({ default: 7701, desc: 'Data API port' }),
  LLM_PROXY_ADMIN_HOST: host({ default: '0.0.0.0', desc: 'Admin (health, metrics, status) bind address' }),
  LLM_PROXY_ADMIN_PORT: port({ default: 9701, desc: 'Admin port' }),
  LLM_PROVIDER: providerOrEmpty({ default: '', desc: 'Default provider: openai, anthropic or mock. Default: the first with a key, else mock (outside production)' }),
  OPENAI_API_KEY: str({ default: '', desc: 'OpenAI API key' }),
  ANTHROPIC_API_KEY: str({ default: '', desc: 'Anthropic API key' }),
  OPENAI_BASE_URL: url({ default: undefined, desc: 'OpenAI-compatible endpoint (default https://api.openai.com/v1)' }),
  ANTHROPIC_BASE_URL: url({ default: undefined, desc: 'Anthropic endpoint (default https://api.anthropic.com)' }),
  LLM_MODEL_ALIASES: aliasesJson({ default: {}, desc: 'JSON {"alias":{"openai":"model","anthropic":"model"}}' }),
  LLM_FALLBACK: providerList({ default: [], desc: 'Providers to fall back to, in order' }),
  LLM_DEGRADED_MODE: str({ choices: ['error', 'message'], default: 'error', desc: 'When every provider failed: 503 error, or a canned message' }),
  LLM_DEGRADED_MESSAGE: str({ default: 'The assistant is temporarily unavailable. Please try again later.', desc: 'Canned message of degraded mode' }),
  LLM_RETRY_MAX_ATTEMPTS: intInRange(1, 10)({ default: 3, desc: 'Attempts per provider, the first included' }),
  LLM_RETRY_BASE_MS: duration({ default: 250, desc: 'Backoff base' }),
  LLM_RETRY_CAP_MS: duration({ default: 8000, desc: 'Backoff cap, and the longest retry-after honoured' }),
  // The SDKs' own default budget: the openai SDK announces only a per-request timeout, so a default client says nothing
  // and would otherwise be cut long before it gives up itself.
  LLM_TIMEOUT_MS: duration({ default: 600_000, desc: 'Overall deadline per request when the caller announces none in x-stainless-timeout (streams: until the first event)' }),
  LLM_MAX_TIMEOUT_MS: duration({ default: 600_000, desc: 'Longest deadline a caller may ask for with x-stainless-timeout (the SDKs send their own timeout, 10 minutes by default)' }),
  LLM_ATTEMPT_TIMEOUT_MS: duration({ default: 30_000, desc: 'Per-attempt timeout (streams: until the first event)' }),
  LLM_STREAM_IDLE_TIMEOUT_MS: duration({ default: 60_000, desc: 'Longest silence between stream events; 0 disables' }),
  LLM_BREAKER_WINDOW_MS: duration({ default: 30_000, desc: 'Breaker rolling window' }),
  LLM_BREAKER_ERROR_PCT: intInRange(1, 100)({ default: 50, desc: 'Breaker opens above this error percentage' }),
  LLM_BREAKER_MIN_REQUESTS: intInRange(1, 100_000)({ default: 10, desc: 'Calls in the window before the breaker may open' }),
  LLM_BREAKER_RESET_MS: duration({ default: 30_000, desc: 'Time open before one trial call' }),
  LLM_DEFAULT_MAX_TOKENS: intInRange(1, 1_000_000)({ default: 4096, desc: 'max_tokens sent to Anthropic when the caller gave none' }),
  // Anthropic accepts 32 MB requests: two 2.25 MB images (base64, so about 6 MB) must fit with room to spare.
  LLM_PROXY_TOKEN: commaList({ default: [], desc: 'Tokens callers must send as their API key (comma-separated, for rotation); empty: no caller authentication' }),
  LLM_MAX_BODY_BYTES: intInRange(1024, 256 * 1024 * 1024)({ default: 32 * 1024 * 1024, desc: 'Largest request body' }),
  LLM_UPSTREAM_CONNECTIONS: intInRange(1, 10_000)({ default: 128, desc: 'Pooled sockets per upstream origin' }),
  LLM_MOCK_ENABLED: flag({ default: false, desc: 'Whether the mock provider can be routed to; default true unless NODE_ENV=production' }),
  LLM_MOCK_TOKEN_DELAY_MS: duration({ default: 0, desc: 'Delay between the mock provider\'s streamed tokens' }),
  LLM_UPSTREAMS: str({ default: '', desc: 'Named upstreams as JSON: a list, or {"routing":"weighted"|"latency","upstreams":[…]} (docs/llm-proxy.md); empty: none' }),
  LLM_UPSTREAMS_FILE: str({ default: '', desc: 'Path of a mounted YAML or JSON file with the same content as LLM_UPSTREAMS; empty: none' }),
  LLM_PROXY_KEYS: keysJson({ default: { map: new Map(), keys: [] }, desc: 'Client keys (from a Secret): JSON {"<key>":{"tenant","models","rpm","tpm","monthlyBudgetUsd"}}; empty: none' }),
  REDIS_URL: str({ default: '', desc: 'Redis for the response cache and the key limits, shared by every pod; empty: in process memory' }),
  LLM_CACHE_RULES: cacheRules({ default: [], desc: 'Models whose answers are cached without asking: JSON [{"models":["gpt-4o-mini"],"ttlSeconds":300,"sampled":false}]; empty: per request only' }),
  LLM_CACHE_SAMPLED: flag({ default: false, desc: 'Whether a per-request cache opt-in may keep answers sampled above temperature 0' }),
  LLM_CACHE_MAX_TTL: duration({ default: 86_400_000, desc: 'Longest time an answer is kept, whatever the request asks' }),
  LLM_CACHE_MAX_BYTES: intInRange(1024 * 1024, 64 * 1024 * 1024 * 1024)({ default: 64 * 1024 * 1024, desc: 'Memory the in-process response cache may hold (no REDIS_URL)' }),
  LLM_PROXY_GC_METRICS: str({ choices: ['off', 'on'], default: 'off', desc: 'on: Node\'s nodejs_gc_duration_seconds histogram too; off by default, its per-collection entries cost ~7 % of the CPU per request (docs/llm-proxy.md)' }),
  LLM_PRICES_FILE: pricesFile({ default: PriceTable.load(), desc: 'Price table (JSON, USD per million tokens); default pkg/llm/pricing/prices.json' }),
};

export interface LlmProxyConfig {
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  maxBodyBytes: number;
  /** `LLM_PROXY_TOKEN`: the API keys callers must send; empty: none asked. */
  callerTokens: string[];
  settings: LlmSettings;
  /** Values to register with the log masker. */
  secrets: string[];
  /** Providers named by configuration whose key is missing (outside production they are skipped). */
  skipped: ProviderName[];
  /** Client keys, response cache, price table (issue 14 sections 2 and 3). */
  governance: GovernanceConfig;
  /** `LLM_PROXY_GC_METRICS=on`: export `nodejs_gc_duration_seconds`. */
  gcMetrics: boolean;
}

export interface GovernanceConfig {
  keys: KeyMap;
  /** Empty: the cache and the key counters live in process memory. */
  redisUrl: string;
  cacheRules: CacheRule[];
  cacheSampled: boolean;
  cacheMaxTtlMs: number;
  cacheMaxBytes: number;
  prices: PriceTable;
}

/**
 * Reads and checks the environment. In production, a provider that the
 * configuration names (default or fallback) without its key is a ConfigError
 * naming the variable; the mock must be enabled explicitly.
 */
export function readLlmProxyConfig(env: NodeJS.ProcessEnv = process.env): LlmProxyConfig {
  const prod = isProduction(env);
  const up = readUpstreamsEnv(env);
  const upstreams = up.config?.upstreams ?? [];
  const upstreamNames = new Set(upstreams.map((u) => u.name));
  const v = validators(new Set([...PROVIDER_NAMES, ...upstreamNames]));
  let c: ReturnType<typeof loadConfig<typeof llmProxySpecs>>;
  try {
    // envalid's devDefault treats an unset NODE_ENV as production; pkg/config's isProduction does not.
    c = loadConfig({
      ...llmProxySpecs, LLM_MOCK_ENABLED: flag({ default: !prod }),
      LLM_PROVIDER: v.providerOrEmpty(llmProxySpecs.LLM_PROVIDER), LLM_FALLBACK: v.providerList(llmProxySpecs.LLM_FALLBACK), LLM_MODEL_ALIASES: v.aliasesJson(llmProxySpecs.LLM_MODEL_ALIASES),
    }, env);
  } catch (err) {
    if (err instanceof ConfigError && up.invalid) throw new ConfigError(err.missing, [...err.invalid, up.invalid]);
    throw err;
  }
  const invalid: { name: string; reason: string }[] = up.invalid ? [up.invalid] : [];
  for (const [name, keyVar] of [['openai', 'OPENAI_API_KEY'], ['anthropic', 'ANTHROPIC_API_KEY']] as const) {
    if (upstreamNames.has(name) && env[keyVar]) invalid.push({ name: 'LLM_UPSTREAMS', reason: `upstream "${name}" is also configured by ${keyVar}: use one or the other` });
  }
  const missing: string[] = [];
  const keys: Record<ProviderName, string> = { openai: c.OPENAI_API_KEY, anthropic: c.ANTHROPIC_API_KEY, mock: 'n/a' };
  const keyVar: Record<ProviderName, string> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', mock: 'LLM_MOCK_ENABLED' };

  let defaultProvider: ProviderName;
  if (c.LLM_PROVIDER) {
    defaultProvider = c.LLM_PROVIDER;
  } else if (prod && !c.OPENAI_API_KEY && !c.ANTHROPIC_API_KEY && !c.LLM_MOCK_ENABLED && upstreams.length === 0) {
    missing.push('LLM_PROVIDER');
    defaultProvider = 'mock';
  } else {
    defaultProvider = c.OPENAI_API_KEY ? 'openai' : c.ANTHROPIC_API_KEY ? 'anthropic' : upstreams[0]?.name ?? 'mock';
  }
  const fallback = c.LLM_FALLBACK;
  const aliases = c.LLM_MODEL_ALIASES;
  const named = new Set<ProviderName>([defaultProvider, ...fallback]);
  const skipped: ProviderName[] = [];
  for (const p of named) {
    if (upstreamNames.has(p)) continue;
    const has = p === 'mock' ? c.LLM_MOCK_ENABLED : Boolean(keys[p]);
    if (has) continue;
    if (prod) missing.push(keyVar[p]); else skipped.push(p);
  }
  if (missing.length || invalid.length) throw new ConfigError([...new Set(missing)].sort(), invalid);

  const settings: LlmSettings = {
    defaultProvider,
    mock: c.LLM_MOCK_ENABLED,
    mockTokenDelayMs: c.LLM_MOCK_TOKEN_DELAY_MS,
    aliases,
    fallback,
    retry: { maxAttempts: c.LLM_RETRY_MAX_ATTEMPTS, baseMs: c.LLM_RETRY_BASE_MS, capMs: c.LLM_RETRY_CAP_MS },
    timeoutMs: c.LLM_TIMEOUT_MS,
    maxTimeoutMs: c.LLM_MAX_TIMEOUT_MS,
    attemptTimeoutMs: c.LLM_ATTEMPT_TIMEOUT_MS,
    streamIdleMs: c.LLM_STREAM_IDLE_TIMEOUT_MS,
    breaker: { windowMs: c.LLM_BREAKER_WINDOW_MS, errorPct: c.LLM_BREAKER_ERROR_PCT, minRequests: c.LLM_BREAKER_MIN_REQUESTS, resetMs: c.LLM_BREAKER_RESET_MS },
    degradedMode: c.LLM_DEGRADED_MODE as 'error' | 'message',
    degradedMessage: c.LLM_DEGRADED_MESSAGE,
    defaultMaxTokens: c.LLM_DEFAULT_MAX_TOKENS,
    upstreamConnections: c.LLM_UPSTREAM_CONNECTIONS,
  };
  if (up.config && upstreams.length) {
    settings.upstreams = upstreams;
    settings.routing = { mode: up.config.routing, explore: up.config.explore };
  }
  if (c.OPENAI_API_KEY) settings.openai = { apiKey: c.OPENAI_API_KEY, baseURL: c.OPENAI_BASE_URL };
  if (c.ANTHROPIC_API_KEY) settings.anthropic = { apiKey: c.ANTHROPIC_API_KEY, baseURL: c.ANTHROPIC_BASE_URL };
  return {
    host: c.LLM_PROXY_HOST, port: c.LLM_PROXY_PORT, adminHost: c.LLM_PROXY_ADMIN_HOST, adminPort: c.LLM_PROXY_ADMIN_PORT,
    maxBodyBytes: c.LLM_MAX_BODY_BYTES, callerTokens: c.LLM_PROXY_TOKEN, settings, skipped, gcMetrics: c.LLM_PROXY_GC_METRICS === 'on',
    secrets: [c.OPENAI_API_KEY, c.ANTHROPIC_API_KEY, ...c.LLM_PROXY_TOKEN, ...c.LLM_PROXY_KEYS.keys].filter(Boolean),
    governance: {
      keys: c.LLM_PROXY_KEYS.map, redisUrl: c.REDIS_URL, cacheRules: c.LLM_CACHE_RULES, cacheSampled: c.LLM_CACHE_SAMPLED,
      cacheMaxTtlMs: c.LLM_CACHE_MAX_TTL, cacheMaxBytes: c.LLM_CACHE_MAX_BYTES, prices: c.LLM_PRICES_FILE,
    },
  };
}

function aliasesValid(a: unknown, names: ReadonlySet<string>): a is Aliases {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
  return Object.values(a).every((entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry)
    && Object.entries(entry).every(([p, m]) => names.has(p) && typeof m === 'string' && m.length > 0));
}
