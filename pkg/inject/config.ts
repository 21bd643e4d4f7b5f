/**
 * What the webhook injects: a YAML document (key `config.yaml` of a
 * ConfigMap), layered — the injector's defaults, then the cluster-wide
 * ConfigMap of the release, then the `pilotfish-injection` ConfigMap of the
 * pod's namespace — and validated once merged. Pure: text in, a validated
 * config or an InjectionConfigError naming every bad field out.
 *
 * Secrets are referenced by Secret name and key only (they become
 * `valueFrom.secretKeyRef`); a variable that looks secret in `env` is refused.
 */
import { parse as parseYaml } from 'yaml';
import { validateTtlPolicy, type TtlPolicyInput } from '#pkg/kv/index.ts';
import { parseDuration } from '#pkg/config/index.ts';
import { InjectionConfigError } from './errors.ts';
import { parseQuantity } from './quantity.ts';

export interface SecretRef { name: string; key: string }
export interface Resources {
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

interface SidecarCommon {
  /** Data port, bound to 127.0.0.1. */
  port: number;
  /** Admin port (`/healthz`, `/readyz`, `/metrics`), bound to 0.0.0.0. */
  adminPort: number;
  resources: Resources;
  /** Extra plain variables (never secrets). */
  env: Record<string, string>;
}

interface CacheSidecarConfig extends SidecarCommon {
  backend: 'redis' | 'upstash' | 'memory';
  redisSecret?: SecretRef;
  upstashUrl?: string;
  upstashSecret?: SecretRef;
  /** Bearer token between app and sidecar; given to both. */
  tokenSecret?: SecretRef;
  ttlPolicy?: TtlPolicyInput;
  opTimeout: string;
  nodeOptions: string;
  /** GET hits answer `X-Cache-TTL` (a PTTL beside each GET); false sets `CACHE_TTL_HEADER=off`. Default true. */
  ttlHeader: boolean;
}

type ProviderName = 'openai' | 'anthropic' | 'mock';

interface LlmProxyConfig extends SidecarCommon {
  provider: ProviderName;
  fallback: ProviderName[];
  modelAliases: Record<string, Partial<Record<ProviderName, string>>>;
  openaiSecret?: SecretRef;
  anthropicSecret?: SecretRef;
  openaiBaseUrl?: string;
  anthropicBaseUrl?: string;
  mockEnabled: boolean;
}

export interface InjectionConfig {
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  nodeEnv: string;
  logLevel: string;
  cache: CacheSidecarConfig;
  llm: LlmProxyConfig;
}

/** The layer under every other: the chart's own defaults (docs/injection.md). `image` comes from the injector. */
const DEFAULT_INJECTION_CONFIG = {
  imagePullPolicy: 'IfNotPresent',
  nodeEnv: 'production',
  logLevel: 'info',
  cache: {
    backend: 'redis',
    redisSecret: { name: 'pilotfish-redis', key: 'url' },
    opTimeout: '100ms',
    nodeOptions: '',
    ttlHeader: true,
    port: 7700,
    adminPort: 9700,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    env: {},
  },
  llm: {
    provider: 'openai',
    fallback: ['anthropic'],
    modelAliases: {},
    openaiSecret: { name: 'pilotfish-llm', key: 'openai-api-key' },
    anthropicSecret: { name: 'pilotfish-llm', key: 'anthropic-api-key' },
    mockEnabled: false,
    port: 7701,
    adminPort: 9701,
    resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
    env: {},
  },
} as const;

/** Variables the injector sets itself or that carry secrets: refused in `env`. */
const MANAGED_VARS = new Set([
  'NODE_ENV', 'LOG_LEVEL', 'NODE_OPTIONS',
  'CACHE_SIDECAR_HOST', 'CACHE_SIDECAR_PORT', 'CACHE_SIDECAR_ADMIN_HOST', 'CACHE_SIDECAR_ADMIN_PORT', 'CACHE_BACKEND', 'CACHE_TTL_POLICY',
  'REDIS_URL', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'CACHE_SIDECAR_TOKEN',
  'LLM_PROXY_HOST', 'LLM_PROXY_PORT', 'LLM_PROXY_ADMIN_HOST', 'LLM_PROXY_ADMIN_PORT', 'LLM_PROVIDER', 'LLM_FALLBACK', 'LLM_MODEL_ALIASES',
  'LLM_MOCK_ENABLED', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL',
]);
const SECRET_LOOKING = /(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIAL)/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A DNS-1123 subdomain (Secret names) and a Secret data key. */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'mock'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one layer's YAML text; an empty text is an empty layer. */
export function parseConfigLayer(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new InjectionConfigError(source, [`not valid YAML (${(err as Error).message.split('\n')[0]})`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isObject(parsed)) throw new InjectionConfigError(source, ['must be a YAML mapping']);
  return parsed;
}

/** Maps merge key by key; everything else (lists included) replaces. */
function mergeLayers(...layers: readonly Record<string, unknown>[]): Record<string, unknown> {
  const merge = (base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(base[k]) ? merge(base[k], v) : v;
    return out;
  };
  return layers.reduce(merge, {});
}

/**
 * Merges `layers` over DEFAULT_INJECTION_CONFIG and validates the result.
 * Throws InjectionConfigError listing every problem (`cache.redisSecret.name: ...`).
 */
export function resolveInjectionConfig(layers: readonly Record<string, unknown>[], source = 'injection config'): InjectionConfig {
  const raw = mergeLayers(structuredClone(DEFAULT_INJECTION_CONFIG) as Record<string, unknown>, ...layers);
  const v = new Validator();
  v.known(raw, '', ['image', 'imagePullPolicy', 'nodeEnv', 'logLevel', 'cache', 'llm']);
  const config: InjectionConfig = {
    image: v.string(raw.image, 'image', { required: true }) ?? '',
    imagePullPolicy: v.choice(raw.imagePullPolicy, 'imagePullPolicy', ['Always', 'IfNotPresent', 'Never'] as const) ?? 'IfNotPresent',
    nodeEnv: v.string(raw.nodeEnv, 'nodeEnv') ?? 'production',
    logLevel: v.choice(raw.logLevel, 'logLevel', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) ?? 'info',
    cache: cacheConfig(v, v.object(raw.cache, 'cache')),
    llm: llmConfig(v, v.object(raw.llm, 'llm')),
  };
  const ports = [config.cache.port, config.cache.adminPort, config.llm.port, config.llm.adminPort];
  if (new Set(ports).size !== ports.length) v.problem('cache/llm ports', `must be four different ports (got ${ports.join(', ')})`);
  if (v.problems.length) throw new InjectionConfigError(source, v.problems);
  return config;
}

function cacheConfig(v: Validator, raw: Record<string, unknown>): CacheSidecarConfig {
  v.known(raw, 'cache', ['backend', 'redisSecret', 'upstashUrl', 'upstashSecret', 'tokenSecret', 'ttlPolicy', 'opTimeout', 'nodeOptions', 'ttlHeader', 'port', 'adminPort', 'resources', 'env']);
  const backend = v.choice(raw.backend, 'cache.backend', ['redis', 'upstash', 'memory'] as const) ?? 'redis';
  const cfg: CacheSidecarConfig = {
    backend,
    redisSecret: v.secretRef(raw.redisSecret, 'cache.redisSecret'),
    upstashUrl: v.string(raw.upstashUrl, 'cache.upstashUrl'),
    upstashSecret: v.secretRef(raw.upstashSecret, 'cache.upstashSecret'),
    tokenSecret: v.secretRef(raw.tokenSecret, 'cache.tokenSecret'),
    opTimeout: v.duration(raw.opTimeout, 'cache.opTimeout') ?? '100ms',
    nodeOptions: v.string(raw.nodeOptions, 'cache.nodeOptions') ?? '',
    ttlHeader: v.boolean(raw.ttlHeader, 'cache.ttlHeader') ?? true,
    ...v.common(raw, 'cache'),
  };
  if (raw.ttlPolicy !== undefined && raw.ttlPolicy !== null) {
    try {
      validateTtlPolicy(raw.ttlPolicy);
      cfg.ttlPolicy = raw.ttlPolicy as TtlPolicyInput;
    } catch (err) {
      v.problem('cache.ttlPolicy', (err as Error).message);
    }
  }
  if (backend === 'redis' && !cfg.redisSecret) v.problem('cache.redisSecret', 'is required with backend redis (the Secret holding REDIS_URL)');
  if (backend === 'upstash') {
    if (!cfg.upstashUrl) v.problem('cache.upstashUrl', 'is required with backend upstash');
    else if (!/^https:\/\/[^\s/]+/.test(cfg.upstashUrl)) v.problem('cache.upstashUrl', 'must be an https:// URL');
    if (!cfg.upstashSecret) v.problem('cache.upstashSecret', 'is required with backend upstash (the Secret holding UPSTASH_REDIS_REST_TOKEN)');
  }
  return cfg;
}

function llmConfig(v: Validator, raw: Record<string, unknown>): LlmProxyConfig {
  v.known(raw, 'llm', ['provider', 'fallback', 'modelAliases', 'openaiSecret', 'anthropicSecret', 'openaiBaseUrl', 'anthropicBaseUrl', 'mockEnabled', 'port', 'adminPort', 'resources', 'env']);
  const provider = v.choice(raw.provider, 'llm.provider', PROVIDERS) ?? 'openai';
  const fallback: ProviderName[] = [];
  if (raw.fallback !== undefined && raw.fallback !== null) {
    if (!Array.isArray(raw.fallback)) v.problem('llm.fallback', 'must be a list of providers');
    else raw.fallback.forEach((p, i) => { const c = v.choice(p, `llm.fallback[${i}]`, PROVIDERS); if (c) fallback.push(c); });
  }
  const modelAliases: LlmProxyConfig['modelAliases'] = {};
  if (raw.modelAliases !== undefined && raw.modelAliases !== null) {
    for (const [alias, models] of Object.entries(v.object(raw.modelAliases, 'llm.modelAliases'))) {
      const entry: Partial<Record<ProviderName, string>> = {};
      for (const [p, model] of Object.entries(v.object(models, `llm.modelAliases.${alias}`))) {
        if (!(PROVIDERS as readonly string[]).includes(p)) v.problem(`llm.modelAliases.${alias}.${p}`, 'is not a provider (openai, anthropic, mock)');
        else entry[p as ProviderName] = v.string(model, `llm.modelAliases.${alias}.${p}`, { required: true });
      }
      modelAliases[alias] = entry;
    }
  }
  const cfg: LlmProxyConfig = {
    provider, fallback, modelAliases,
    openaiSecret: v.secretRef(raw.openaiSecret, 'llm.openaiSecret'),
    anthropicSecret: v.secretRef(raw.anthropicSecret, 'llm.anthropicSecret'),
    openaiBaseUrl: v.url(raw.openaiBaseUrl, 'llm.openaiBaseUrl'),
    anthropicBaseUrl: v.url(raw.anthropicBaseUrl, 'llm.anthropicBaseUrl'),
    mockEnabled: v.boolean(raw.mockEnabled, 'llm.mockEnabled') ?? false,
    ...v.common(raw, 'llm'),
  };
  // The proxy refuses to start on a route it cannot serve: say so at injection time instead of in a crash loop.
  for (const p of new Set([provider, ...fallback])) {
    if (p === 'mock' && !cfg.mockEnabled) v.problem('llm.mockEnabled', 'must be true when provider or fallback names mock');
    if (p === 'openai' && !cfg.openaiSecret) v.problem('llm.openaiSecret', 'is required when provider or fallback names openai');
    if (p === 'anthropic' && !cfg.anthropicSecret) v.problem('llm.anthropicSecret', 'is required when provider or fallback names anthropic');
  }
  return cfg;
}

/** Collects problems instead of stopping at the first, so one report names them all. */
class Validator {
  readonly problems: string[] = [];

  problem(path: string, reason: string): void {
    this.problems.push(`${path}: ${reason}`);
  }

  known(raw: Record<string, unknown>, path: string, names: readonly string[]): void {
    for (const k of Object.keys(raw)) if (!names.includes(k)) this.problem(path ? `${path}.${k}` : k, `is not a known field (known: ${names.join(', ')})`);
  }

  object(raw: unknown, path: string): Record<string, unknown> {
    if (raw === undefined || raw === null) return {};
    if (!isObject(raw)) { this.problem(path, 'must be a mapping'); return {}; }
    return raw;
  }

  string(raw: unknown, path: string, opts: { required: true }): string;
  string(raw: unknown, path: string, opts?: { required?: boolean }): string | undefined;
  string(raw: unknown, path: string, opts: { required?: boolean } = {}): string | undefined {
    if (raw === undefined || raw === null || raw === '') {
      if (opts.required) this.problem(path, 'is required');
      return opts.required ? '' : undefined;
    }
    if (typeof raw !== 'string') { this.problem(path, 'must be a string'); return undefined; }
    return raw;
  }

  choice<T extends string>(raw: unknown, path: string, choices: readonly T[]): T | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) { this.problem(path, `must be one of ${choices.join(', ')}`); return undefined; }
    return raw as T;
  }

  boolean(raw: unknown, path: string): boolean | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    this.problem(path, 'must be true or false');
    return undefined;
  }

  port(raw: unknown, path: string, fallback: number): number {
    if (raw === undefined || raw === null) return fallback;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) { this.problem(path, 'must be a port (1-65535)'); return fallback; }
    return n;
  }

  duration(raw: unknown, path: string): string | undefined {
    if (raw === undefined || raw === null) return undefined;
    if ((typeof raw !== 'string' && typeof raw !== 'number') || parseDuration(raw) === undefined) { this.problem(path, 'must be a duration such as 100ms, 2s or 1m'); return undefined; }
    return String(raw);
  }

  url(raw: unknown, path: string): string | undefined {
    const s = this.string(raw, path);
    if (s !== undefined && !/^https?:\/\/[^\s]+$/.test(s)) { this.problem(path, 'must be an http(s):// URL'); return undefined; }
    return s;
  }

  secretRef(raw: unknown, path: string): SecretRef | undefined {
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (!isObject(raw)) { this.problem(path, 'must be {name, key} of a Secret in the pod\'s namespace (never the secret itself)'); return undefined; }
    this.known(raw, path, ['name', 'key']);
    const name = this.string(raw.name, `${path}.name`, { required: true });
    const key = this.string(raw.key, `${path}.key`, { required: true });
    if (name && !SECRET_NAME.test(name)) this.problem(`${path}.name`, 'must be a Secret name (lowercase DNS subdomain)');
    if (key && !SECRET_KEY.test(key)) this.problem(`${path}.key`, 'must be a Secret key ([-._a-zA-Z0-9]+)');
    return name && key ? { name, key } : undefined;
  }

  resources(raw: unknown, path: string): Resources {
    const obj = this.object(raw, path);
    this.known(obj, path, ['requests', 'limits']);
    const side = (which: 'requests' | 'limits') => {
      const o = this.object(obj[which], `${path}.${which}`);
      this.known(o, `${path}.${which}`, ['cpu', 'memory']);
      const out: { cpu?: string; memory?: string } = {};
      for (const r of ['cpu', 'memory'] as const) {
        if (o[r] === undefined || o[r] === null) continue;
        const text = String(o[r]);
        if ((typeof o[r] !== 'string' && typeof o[r] !== 'number') || parseQuantity(text) === undefined) this.problem(`${path}.${which}.${r}`, 'must be a quantity such as 50m, 0.5, 64Mi or 1Gi');
        else out[r] = text;
      }
      return out;
    };
    const res = { requests: side('requests'), limits: side('limits') };
    checkRequestWithinLimit(this, res, path);
    return res;
  }

  env(raw: unknown, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.object(raw, path))) {
      const at = `${path}.${name}`;
      if (!ENV_NAME.test(name)) this.problem(at, 'is not a valid variable name');
      else if (MANAGED_VARS.has(name)) this.problem(at, 'is set by the injector (use the matching field: port, backend, ttlPolicy, a *Secret reference…)');
      else if (SECRET_LOOKING.test(name)) this.problem(at, 'looks like a secret: env holds plain values only; reference a Secret instead');
      else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') this.problem(at, 'must be a string, number or boolean');
      else out[name] = String(value);
    }
    return out;
  }

  common(raw: Record<string, unknown>, path: 'cache' | 'llm'): SidecarCommon {
    const d = DEFAULT_INJECTION_CONFIG[path];
    return {
      port: this.port(raw.port, `${path}.port`, d.port),
      adminPort: this.port(raw.adminPort, `${path}.adminPort`, d.adminPort),
      resources: this.resources(raw.resources, `${path}.resources`),
      env: this.env(raw.env, `${path}.env`),
    };
  }
}

/** The API server refuses a request above its limit: refuse it here with a clearer message. */
export function checkRequestWithinLimit(v: { problem(path: string, reason: string): void }, res: Resources, path: string): void {
  for (const r of ['cpu', 'memory'] as const) {
    const req = res.requests[r];
    const lim = res.limits[r];
    if (req && lim && (parseQuantity(req) ?? 0) > (parseQuantity(lim) ?? Infinity)) v.problem(`${path}.requests.${r}`, `(${req}) must not exceed limits.${r} (${lim})`);
  }
}
