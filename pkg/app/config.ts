/**
 * The main app's environment, validated at start (envalid through pkg/config).
 * Every variable is documented in docs/app.md; secrets (API keys, JWT secret,
 * session secret, the sidecar token) are registered with the log masker as
 * soon as they are read.
 */
import { makeValidator, EnvError } from 'envalid';
import { duration, flag, host, intInRange, isProduction, loadConfig, port, str, url, ConfigError } from '#pkg/config/index.ts';
import { secrets } from '#pkg/log/index.ts';
import { ROLES, type Role, parseApiKeys, type ApiKeyEntry } from './principal.ts';

const DEFAULT_RATE_LIMITS: Record<Role, number> = { 'knowledge:read': 600, 'chat:use': 60, 'render:submit': 120, admin: 6000 };

const apiKeys = makeValidator<Map<string, ApiKeyEntry>>((input) => {
  try {
    return parseApiKeys(input === '' ? {} : JSON.parse(String(input)));
  } catch (err) {
    // The message of parseApiKeys names keys by position, never by value.
    throw new EnvError(err instanceof SyntaxError ? 'expected a JSON object {"<key>": {"tenant", "roles"}}' : (err as Error).message);
  }
});

const rateLimits = makeValidator<Record<Role, number>>((input) => {
  let parsed: unknown;
  try { parsed = JSON.parse(String(input)); } catch { throw new EnvError('expected a JSON object {"<role>": <requests per window>}'); }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new EnvError('expected a JSON object {"<role>": <requests per window>}');
  const out = { ...DEFAULT_RATE_LIMITS };
  for (const [role, n] of Object.entries(parsed)) {
    if (!(ROLES as readonly string[]).includes(role)) throw new EnvError(`unknown role "${role}"; roles are ${ROLES.join(', ')}`);
    if (!Number.isInteger(n) || (n as number) < 1) throw new EnvError(`limit of ${role} must be a positive integer`);
    out[role as Role] = n as number;
  }
  return out;
});

export const appSpec = {
  APP_HOST: host({ default: '0.0.0.0', desc: 'Listen address' }),
  APP_PORT: port({ default: 8080, desc: 'Listen port' }),
  APP_API_KEYS: apiKeys({ default: new Map(), desc: 'JSON {"<key>": {"tenant": "...", "roles": [...]}}' }),
  APP_JWT_SECRET: str({ default: '', desc: 'HS256 secret for JWTs' }),
  APP_JWT_PUBLIC_KEY: str({ default: '', desc: 'RS256 public key (PEM) for JWTs' }),
  APP_JWT_ISSUER: str({ default: '', desc: 'Required JWT issuer' }),
  APP_JWT_AUDIENCE: str({ default: '', desc: 'Required JWT audience' }),
  APP_JWT_TENANT_CLAIM: str({ default: 'tenant', desc: 'Claim holding the tenant' }),
  APP_JWT_ROLES_CLAIM: str({ default: 'roles', desc: 'Claim holding the roles' }),
  APP_SESSION_SECRET: str({ default: '', desc: 'Signs the admin session cookie; random per process when empty' }),
  APP_SESSION_TTL: duration({ default: 8 * 3_600_000, desc: 'Admin session lifetime' }),
  APP_RATE_LIMIT_WINDOW: duration({ default: 60_000, desc: 'Rate-limit window' }),
  APP_RATE_LIMITS: rateLimits({ default: DEFAULT_RATE_LIMITS, desc: 'JSON {"<role>": <requests per window>}' }),
  APP_TRUST_PROXY: str({ default: '', desc: 'express trust proxy setting (hops or subnets) when behind an ingress' }),
  REDIS_URL: str({ default: '', desc: 'Redis for shared rate limits and the render queue' }),
  RENDER_QUEUE: str({ default: 'render', desc: 'Render queue name' }),
  BULLMQ_PREFIX: str({ default: 'bull', desc: 'BullMQ key prefix' }),
  KNOWLEDGE_DIR: str({ default: 'docs', desc: 'Markdown folder to index' }),
  KNOWLEDGE_WATCH: flag({ default: true, desc: 'Reindex when the folder changes' }),
  CACHE_SIDECAR_URL: url({ default: 'http://127.0.0.1:7700', desc: 'Cache sidecar data API' }),
  CACHE_SIDECAR_TOKEN: str({ default: '', desc: 'Cache sidecar bearer token' }),
  CACHE_CLIENT_TIMEOUT_MS: duration({ default: 100, desc: 'Longest wait for the cache sidecar' }),
  SEARCH_CACHE_TTL: duration({ default: 15_000, desc: 'Default TTL of cached searches' }),
  LLM_PROXY_URL: url({ default: 'http://127.0.0.1:7701', desc: 'LLM proxy data API' }),
  LLM_PROXY_API_KEY: str({ default: '', desc: 'Key the chat sends to the LLM proxy: its caller token (LLM_PROXY_TOKEN) or a client key (LLM_PROXY_KEYS); empty: none' }),
  CHAT_MODEL: str({ default: 'gpt-4o-mini', desc: 'Model when a chat names none' }),
  CHAT_MAX_TOOL_ROUNDS: intInRange(0, 10)({ default: 3, desc: 'Tool rounds per chat' }),
  APP_FLAGS_FILE: str({ default: '', desc: 'Feature-flags file (JSON or YAML)' }),
  CACHE_SIDECAR_ADMIN_URL: url({ default: 'http://127.0.0.1:9700', desc: 'Cache sidecar admin, for /admin' }),
  LLM_PROXY_ADMIN_URL: url({ default: 'http://127.0.0.1:9701', desc: 'LLM proxy admin, for /admin' }),
  WORKER_HEALTH_URL: url({ default: 'http://127.0.0.1:9464', desc: 'Worker health API, for /admin' }),
  APP_K8S_NAMESPACE: str({ default: '', desc: 'Namespace of the QueueAutoscalers shown on /admin' }),
  LOG_LEVEL: str({ default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], desc: 'Log level' }),
};

export interface AppConfig {
  host: string;
  port: number;
  production: boolean;
  apiKeys: Map<string, ApiKeyEntry>;
  jwt: { secret?: string; publicKey?: string; issuer?: string; audience?: string; tenantClaim: string; rolesClaim: string } | null;
  sessionSecret: string;
  sessionTtlMs: number;
  rateLimit: { windowMs: number; limits: Record<Role, number> };
  trustProxy: string;
  redisUrl: string | null;
  renderQueue: string;
  bullmqPrefix: string;
  knowledgeDir: string;
  knowledgeWatch: boolean;
  cache: { url: string; token?: string; timeoutMs: number; defaultTtlMs: number };
  llmProxyUrl: string;
  llmProxyApiKey?: string;
  chatModel: string;
  chatMaxToolRounds: number;
  flagsFile: string | null;
  admin: { cacheSidecarAdminUrl: string; llmProxyAdminUrl: string; workerHealthUrl: string; k8sNamespace: string | null };
  logLevel: string;
}

/** Reads and checks the environment; in production refuses to start without a credential source. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const c = loadConfig(appSpec, env);
  const production = isProduction(env);
  for (const key of c.APP_API_KEYS.keys()) secrets.add(key);
  for (const s of [c.APP_JWT_SECRET, c.APP_SESSION_SECRET, c.CACHE_SIDECAR_TOKEN, c.LLM_PROXY_API_KEY]) if (s) secrets.add(s);
  if (c.REDIS_URL) secrets.addUrlPassword(c.REDIS_URL);
  const invalid: { name: string; reason: string }[] = [];
  if (production && c.APP_API_KEYS.size === 0 && !c.APP_JWT_SECRET && !c.APP_JWT_PUBLIC_KEY) {
    throw new ConfigError(['APP_API_KEYS'], [{ name: 'APP_API_KEYS', reason: 'production needs a credential source: APP_API_KEYS, APP_JWT_SECRET or APP_JWT_PUBLIC_KEY' }]);
  }
  if (c.APP_JWT_SECRET && c.APP_JWT_PUBLIC_KEY) invalid.push({ name: 'APP_JWT_SECRET', reason: 'set APP_JWT_SECRET (HS256) or APP_JWT_PUBLIC_KEY (RS256), not both' });
  if (c.APP_JWT_SECRET && Buffer.byteLength(c.APP_JWT_SECRET) < 32) invalid.push({ name: 'APP_JWT_SECRET', reason: 'an HS256 secret must be at least 32 bytes' });
  if (c.REDIS_URL && !/^rediss?:\/\//.test(c.REDIS_URL)) invalid.push({ name: 'REDIS_URL', reason: 'expected a redis:// or rediss:// URL' });
  if (invalid.length) throw new ConfigError([], invalid);
  const jwtOn = Boolean(c.APP_JWT_SECRET || c.APP_JWT_PUBLIC_KEY);
  return {
    host: c.APP_HOST,
    port: c.APP_PORT,
    production,
    apiKeys: c.APP_API_KEYS,
    jwt: jwtOn ? {
      secret: c.APP_JWT_SECRET || undefined,
      publicKey: c.APP_JWT_PUBLIC_KEY || undefined,
      issuer: c.APP_JWT_ISSUER || undefined,
      audience: c.APP_JWT_AUDIENCE || undefined,
      tenantClaim: c.APP_JWT_TENANT_CLAIM,
      rolesClaim: c.APP_JWT_ROLES_CLAIM,
    } : null,
    sessionSecret: c.APP_SESSION_SECRET,
    sessionTtlMs: c.APP_SESSION_TTL,
    rateLimit: { windowMs: c.APP_RATE_LIMIT_WINDOW, limits: c.APP_RATE_LIMITS },
    trustProxy: c.APP_TRUST_PROXY,
    redisUrl: c.REDIS_URL || null,
    renderQueue: c.RENDER_QUEUE,
    bullmqPrefix: c.BULLMQ_PREFIX,
    knowledgeDir: c.KNOWLEDGE_DIR,
    knowledgeWatch: c.KNOWLEDGE_WATCH,
    cache: { url: c.CACHE_SIDECAR_URL, token: c.CACHE_SIDECAR_TOKEN || undefined, timeoutMs: c.CACHE_CLIENT_TIMEOUT_MS, defaultTtlMs: c.SEARCH_CACHE_TTL },
    llmProxyUrl: c.LLM_PROXY_URL,
    llmProxyApiKey: c.LLM_PROXY_API_KEY || undefined,
    chatModel: c.CHAT_MODEL,
    chatMaxToolRounds: c.CHAT_MAX_TOOL_ROUNDS,
    flagsFile: c.APP_FLAGS_FILE || null,
    admin: { cacheSidecarAdminUrl: c.CACHE_SIDECAR_ADMIN_URL, llmProxyAdminUrl: c.LLM_PROXY_ADMIN_URL, workerHealthUrl: c.WORKER_HEALTH_URL, k8sNamespace: c.APP_K8S_NAMESPACE || null },
    logLevel: c.LOG_LEVEL,
  };
}
