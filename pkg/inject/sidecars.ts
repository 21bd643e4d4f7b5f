/**
 * The containers the webhook adds: the chart's two native sidecars
 * (charts/pilotfish/templates/app/_deployment.tpl), same probes, ports,
 * hardened securityContext and /tmp, configured from an InjectionConfig.
 * Pure.
 */
import type { TtlPolicyInput, TtlRuleInput } from '#pkg/kv/index.ts';
import type { InjectionConfig, Resources, SecretRef } from './config.ts';
import { SIDECAR_CONTAINER, type Container, type EnvVar, type Sidecar } from './types.ts';

/** The emptyDir the sidecars write to (their root file system is read-only). */
export const TMP_VOLUME = 'pilotfish-tmp';

/**
 * Set on the container itself, not left to the pod: the pod's own
 * securityContext belongs to the app and may be laxer.
 */
export const SIDECAR_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

const plain = (name: string, value: string | number | boolean): EnvVar => ({ name, value: String(value) });
const fromSecret = (name: string, ref: SecretRef): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } });

function probes(port: string) {
  return {
    livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/readyz', port }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    // The kubelet starts the app only once this passes, so its first call finds the sidecar listening.
    startupProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 30 },
  };
}

function resourcesJson(r: Resources): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Object.keys(r.requests).length) out.requests = { ...r.requests };
  if (Object.keys(r.limits).length) out.limits = { ...r.limits };
  return out;
}

/**
 * The sidecars' commands: the image's bundled binaries with the same Node
 * flags as `npm run start:*` (package.json) and the chart's templates, so an
 * injected sidecar holds what a charted one holds (docs/development.md).
 */
export const SIDECAR_COMMAND = {
  cache: ['node', '--max-semi-space-size=2', '--max-old-space-size=128', '--v8-pool-size=1', '--no-allocation-site-pretenuring', '--no-concurrent-recompilation', '--no-parallel-scavenge', '--no-minor-gc-task', 'dist/cache-sidecar.js'],
  llm: ['node', '--max-semi-space-size=1', 'dist/llm-proxy.js'],
} as const;

/**
 * Where a sidecar listens, set through `<envPrefix>_HOST`/`_PORT`/
 * `_ADMIN_HOST`/`_ADMIN_PORT`: data on loopback, for the pod's own
 * containers only; admin on every interface, for the kubelet's probes and
 * Prometheus.
 */
interface Listen { envPrefix: string; port: number; adminPort: number; adminPortName: string }

/** `env` is the sidecar's own settings; `userEnv` (the config's `env`) comes last, so it can override any of them. */
function sidecarContainer(name: string, command: readonly string[], config: InjectionConfig, listen: Listen, env: EnvVar[], userEnv: Record<string, string>, resources: Resources): Container {
  const p = listen.envPrefix;
  return {
    name,
    image: config.image,
    imagePullPolicy: config.imagePullPolicy,
    restartPolicy: 'Always',
    command: [...command],
    env: [
      plain('NODE_ENV', config.nodeEnv), plain('LOG_LEVEL', config.logLevel),
      plain(`${p}_HOST`, '127.0.0.1'), plain(`${p}_PORT`, listen.port), plain(`${p}_ADMIN_HOST`, '0.0.0.0'), plain(`${p}_ADMIN_PORT`, listen.adminPort),
      ...env,
      ...Object.entries(userEnv).map(([n, v]) => plain(n, v)),
    ],
    ports: [{ name: listen.adminPortName, containerPort: listen.adminPort, protocol: 'TCP' }],
    ...probes(listen.adminPortName),
    resources: resourcesJson(resources),
    securityContext: structuredClone(SIDECAR_SECURITY_CONTEXT),
    volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }],
  };
}

/** The cache sidecar; `extraScopes` (the pod's annotation) are merged over the configured policy's scopes. */
export function cacheSidecar(config: InjectionConfig, resources: Resources, extraScopes?: Record<string, TtlRuleInput>): Container {
  const c = config.cache;
  const env: EnvVar[] = [plain('CACHE_BACKEND', c.backend), plain('CACHE_OP_TIMEOUT_MS', c.opTimeout)];
  if (c.backend === 'redis' && c.redisSecret) env.push(fromSecret('REDIS_URL', c.redisSecret));
  if (c.backend === 'upstash' && c.upstashUrl && c.upstashSecret) env.push(plain('UPSTASH_REDIS_REST_URL', c.upstashUrl), fromSecret('UPSTASH_REDIS_REST_TOKEN', c.upstashSecret));
  if (c.tokenSecret) env.push(fromSecret('CACHE_SIDECAR_TOKEN', c.tokenSecret));
  if (c.ttlPolicy || extraScopes) {
    const policy: TtlPolicyInput = { ...c.ttlPolicy, scopes: { ...c.ttlPolicy?.scopes, ...extraScopes } };
    env.push(plain('CACHE_TTL_POLICY', JSON.stringify(policy)));
  }
  if (c.nodeOptions) env.push(plain('NODE_OPTIONS', c.nodeOptions));
  // Only when off: the sidecar's default is on, and pods of the default config keep the spec they had.
  if (!c.ttlHeader) env.push(plain('CACHE_TTL_HEADER', 'off'));
  const listen = { envPrefix: 'CACHE_SIDECAR', port: c.port, adminPort: c.adminPort, adminPortName: 'cache-admin' };
  return sidecarContainer(SIDECAR_CONTAINER.cache, SIDECAR_COMMAND.cache, config, listen, env, c.env, resources);
}

export function llmProxySidecar(config: InjectionConfig, resources: Resources): Container {
  const l = config.llm;
  const env: EnvVar[] = [plain('LLM_PROVIDER', l.provider), plain('LLM_FALLBACK', l.fallback.join(',')), plain('LLM_MOCK_ENABLED', l.mockEnabled)];
  if (Object.keys(l.modelAliases).length) env.push(plain('LLM_MODEL_ALIASES', JSON.stringify(l.modelAliases)));
  if (l.openaiSecret) env.push(fromSecret('OPENAI_API_KEY', l.openaiSecret));
  if (l.anthropicSecret) env.push(fromSecret('ANTHROPIC_API_KEY', l.anthropicSecret));
  if (l.openaiBaseUrl) env.push(plain('OPENAI_BASE_URL', l.openaiBaseUrl));
  if (l.anthropicBaseUrl) env.push(plain('ANTHROPIC_BASE_URL', l.anthropicBaseUrl));
  const listen = { envPrefix: 'LLM_PROXY', port: l.port, adminPort: l.adminPort, adminPortName: 'llm-admin' };
  return sidecarContainer(SIDECAR_CONTAINER.llm, SIDECAR_COMMAND.llm, config, listen, env, l.env, resources);
}

/**
 * What each app container is given to reach the sidecars: the URLs pkg/kv and
 * the app read, and the base URLs the official OpenAI/Anthropic SDKs read.
 */
export function appEnv(config: InjectionConfig, sidecars: readonly Sidecar[]): EnvVar[] {
  const env: EnvVar[] = [];
  if (sidecars.includes('cache')) {
    env.push(plain('CACHE_SIDECAR_URL', `http://127.0.0.1:${config.cache.port}`));
    if (config.cache.tokenSecret) env.push(fromSecret('CACHE_SIDECAR_TOKEN', config.cache.tokenSecret));
  }
  if (sidecars.includes('llm')) {
    env.push(
      plain('LLM_PROXY_URL', `http://127.0.0.1:${config.llm.port}`),
      plain('OPENAI_BASE_URL', `http://127.0.0.1:${config.llm.port}/v1`),
      plain('ANTHROPIC_BASE_URL', `http://127.0.0.1:${config.llm.port}`),
    );
  }
  return env;
}
