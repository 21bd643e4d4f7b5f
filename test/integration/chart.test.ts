/**
 * The Helm chart and manifests/pilotfish.yaml, checked without helm: every
 * plain YAML file of the chart parses, values.yaml (and each ci variant)
 * validates against values.schema.json, the CRD copy matches the controller's,
 * and the rendered manifest holds what a cluster operator relies on: probes,
 * resources and locked-down security contexts on every container, native
 * sidecars, no secret value anywhere, and only variables the binaries read,
 * with values their own config loaders accept. When a helm binary is found
 * (HELM_BIN or `helm` on PATH) the chart is also linted and rendered with
 * every ci values file, and the committed manifest is compared to a fresh
 * render.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cacheSidecarSpec, loadCacheSidecarConfig } from '#pkg/cachesidecar/index.ts';
import { llmProxySpecs, readLlmProxyConfig } from '#pkg/llmproxy/index.ts';
import { loadWorkerConfig, workerSpec } from '#pkg/render/index.ts';
import { loadControllerConfig } from '#pkg/autoscaler/index.ts';
import { sidecarClientSpec, parseTtlPolicy } from '#pkg/kv/index.ts';
import { createFeatureFlags } from '#pkg/flags/index.ts';
import { loadInjectorConfig } from '#pkg/injector/index.ts';
import { SIDECAR_COMMAND, applyJsonPatch, injectionPatch, parseConfigLayer, resolveInjectionConfig, type Pod } from '#pkg/inject/index.ts';
import { CrdChecker } from '../fixtures/kube/crd-check.ts';
import { manifestFile, manifestHeader, renderManifest } from '../../scripts/render-manifests.ts';
import { HELM_SUITE } from './chart-helm.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'charts', 'pilotfish');
const MANIFEST = join(ROOT, 'manifests', 'pilotfish.yaml');
const CRD = 'queueautoscalers.autoscaling.pilotfish.dev.yaml';

type Obj = Record<string, any>;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function parseDocs(text: string, where: string): Obj[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${where}: ${d.errors[0].message}`);
  }
  return docs.map((d) => d.toJS() as Obj).filter((d) => d !== null);
}

function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's merge of a values file over the defaults: maps merge, everything else replaces. */
function mergeValues(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergeValues(base[k], v) : v;
  return out;
}

// ---- What the binaries read -------------------------------------------------

/** Read by every binary outside its spec: pkg/log (LOG_LEVEL), pkg/metrics (OTEL_*), Node itself. */
const COMMON_ENV = ['NODE_ENV', 'NODE_OPTIONS', 'LOG_LEVEL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_METRIC_EXPORT_INTERVAL'];
const CONTROLLER_ENV = Object.keys(loadControllerConfig({}, []) as Obj).filter((k) => /^[A-Z][A-Z0-9_]*$/.test(k));
const INJECTOR_ENV = Object.keys(loadInjectorConfig({ INJECTOR_SIDECAR_IMAGE: 'x' }) as Obj);
const READS: Record<string, string[]> = {
  'cache-sidecar': [...Object.keys(cacheSidecarSpec), ...COMMON_ENV],
  'llm-proxy': [...Object.keys(llmProxySpecs), ...COMMON_ENV],
  worker: [...Object.keys(workerSpec), ...COMMON_ENV],
  // POD_NAME / POD_NAMESPACE feed CONTROLLER_IDENTITY and CONTROLLER_LEASE_NAMESPACE.
  controller: [...CONTROLLER_ENV, 'POD_NAME', 'POD_NAMESPACE', ...COMMON_ENV],
  // POD_NAME / POD_NAMESPACE feed INJECTOR_IDENTITY and INJECTOR_NAMESPACE.
  injector: [...INJECTOR_ENV, 'POD_NAME', 'POD_NAMESPACE', ...COMMON_ENV],
  // The app (cmd/app, its environment table in /tmp/prompts/app-contract.md and
  // docs/deploy.md), pkg/kv sidecarCacheFromEnv() and the official SDKs' base URLs.
  app: [
    ...Object.keys(sidecarClientSpec), 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', ...COMMON_ENV,
    'APP_HOST', 'APP_PORT', 'APP_API_KEYS', 'APP_JWT_SECRET', 'APP_JWT_PUBLIC_KEY', 'APP_JWT_ISSUER', 'APP_JWT_AUDIENCE',
    'APP_JWT_TENANT_CLAIM', 'APP_JWT_ROLES_CLAIM', 'APP_SESSION_SECRET', 'APP_RATE_LIMIT_WINDOW', 'APP_RATE_LIMITS', 'APP_TRUST_PROXY',
    'REDIS_URL', 'RENDER_QUEUE', 'BULLMQ_PREFIX', 'KNOWLEDGE_DIR', 'CACHE_CLIENT_TIMEOUT_MS', 'SEARCH_CACHE_TTL',
    'LLM_PROXY_URL', 'CHAT_MODEL', 'CHAT_MAX_TOOL_ROUNDS', 'APP_FLAGS_FILE', 'APP_FLAG_DISTRIBUTED_CACHE', 'APP_FLAG_LLM_REAL_PROVIDER',
    'CACHE_SIDECAR_ADMIN_URL', 'LLM_PROXY_ADMIN_URL', 'WORKER_HEALTH_URL', 'APP_K8S_NAMESPACE',
    // The official SDKs' API keys: the LLM proxy's caller token (llmProxy.callerToken).
    'OPENAI_API_KEY', 'ANTHROPIC_API_KEY',
  ],
};

const SECRET_NAME = /KEY|TOKEN|PASSWORD|SECRET|REDIS_URL/;
const SECRET_LITERALS: [string, RegExp][] = [
  ['OpenAI key', /sk-[A-Za-z0-9_-]{16,}/],
  ['Anthropic key', /sk-ant-[A-Za-z0-9_-]{8,}/],
  ['URL with a password', /(?:rediss?|https?):\/\/[^\s"'/@]*:[^\s"'/@]+@/],
  ['AWS key', /AKIA[0-9A-Z]{16}/],
  ['bearer token', /Bearer\s+[A-Za-z0-9._-]{8,}/],
];

interface Container { name: string; spec: Obj; init: boolean; pod: Obj }

function containersOf(deployment: Obj): Container[] {
  const pod = deployment.spec.template.spec as Obj;
  return [
    ...(pod.initContainers ?? []).map((spec: Obj) => ({ name: spec.name as string, spec, init: true, pod })),
    ...(pod.containers ?? []).map((spec: Obj) => ({ name: spec.name as string, spec, init: false, pod })),
  ];
}

/** The environment a container would see, with secretKeyRefs and fieldRefs replaced by placeholders. */
function envOf(c: Container, docs: Obj[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.spec.envFrom ?? []) {
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === from.configMapRef?.name);
    expect(cm, `${c.name}: ConfigMap ${from.configMapRef?.name}`).toBeDefined();
    Object.assign(env, cm!.data);
  }
  for (const e of c.spec.env ?? []) {
    if (e.valueFrom?.secretKeyRef) env[e.name] = e.name === 'REDIS_URL' ? 'redis://redis.example:6379' : 'placeholder-secret';
    else if (e.valueFrom?.fieldRef) env[e.name] = 'placeholder-field';
    else env[e.name] = String(e.value);
  }
  return env;
}

function roleOf(c: Container): string {
  return c.name;
}

/** Every check on rendered manifests, shared by the committed file and fresh helm renders. */
function checkRendered(docs: Obj[], label: string): void {
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  expect(deployments.length, label).toBeGreaterThan(0);
  expect(docs.filter((d) => d.kind === 'Secret'), `${label}: the chart never creates Secrets`).toEqual([]);
  for (const d of docs) {
    const text = JSON.stringify(d);
    for (const [what, re] of SECRET_LITERALS) expect(re.test(text), `${label}: ${what} in ${d.kind}/${d.metadata?.name}`).toBe(false);
  }
  for (const cm of docs.filter((d) => d.kind === 'ConfigMap')) {
    for (const k of Object.keys(cm.data ?? {})) expect(SECRET_NAME.test(k) && k !== 'CACHE_KEY_PREFIX', `${label}: secret ${k} in ConfigMap ${cm.metadata.name}`).toBe(false);
  }
  for (const dep of deployments) {
    for (const c of containersOf(dep)) {
      const where = `${label}: ${dep.metadata.name}/${c.name}`;
      const s = c.spec;
      expect(s.livenessProbe?.httpGet?.path, `${where} liveness`).toBeTruthy();
      expect(s.readinessProbe?.httpGet?.path, `${where} readiness`).toBeTruthy();
      expect(s.resources?.requests?.cpu, `${where} cpu request`).toBeTruthy();
      expect(s.resources?.requests?.memory, `${where} memory request`).toBeTruthy();
      expect(s.resources?.limits?.memory, `${where} memory limit`).toBeTruthy();
      expect(s.securityContext, where).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(s.securityContext.capabilities?.drop, where).toContain('ALL');
      expect(s.securityContext.privileged ?? false, where).toBe(false);
      for (const e of s.env ?? []) {
        if (SECRET_NAME.test(e.name) && e.name !== 'CACHE_KEY_PREFIX') {
          expect(e.value, `${where}: ${e.name} must come from a Secret`).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef?.name, `${where}: ${e.name} secretKeyRef`).toBeTruthy();
        }
      }
      const env = envOf(c, docs);
      const allowed = READS[roleOf(c)];
      expect(allowed, `${where}: unknown container`).toBeDefined();
      // The app's own variables (app.env) are the user's: the ci files name them APP_*.
      const unknown = Object.keys(env).filter((k) => !allowed.includes(k) && !(roleOf(c) === 'app' && k.startsWith('APP_')));
      expect(unknown, `${where}: variables no binary reads`).toEqual([]);
      checkBinaryAccepts(roleOf(c), env, c, where, docs);
    }
    expect(dep.spec.template.spec.securityContext?.runAsNonRoot, dep.metadata.name).toBe(true);
  }
}

/** The binary's own loader accepts the rendered environment (NODE_ENV=production rules included). */
function checkBinaryAccepts(role: string, env: Record<string, string>, c: Container, where: string, docs: Obj[]): void {
  switch (role) {
    case 'cache-sidecar': {
      expect(c.init && c.spec.restartPolicy === 'Always', `${where}: native sidecar`).toBe(true);
      const cfg = loadCacheSidecarConfig(env);
      expect(cfg.CACHE_SIDECAR_HOST, where).toBe('127.0.0.1');
      expect(cfg.CACHE_SIDECAR_ADMIN_PORT, where).toBe(portNamed(c, 'cache-admin'));
      // The heap bounds and the GC's thread pool ride on the command, as `npm run start:cache-sidecar` runs it
      // (build-artifacts.test.ts holds SIDECAR_COMMAND to that script); NODE_OPTIONS could not override them.
      expect(c.spec.command, where).toEqual([...SIDECAR_COMMAND.cache]);
      expect(env.NODE_OPTIONS ?? '', where).not.toMatch(/semi-space|old-space/);
      expect(() => parseTtlPolicy(cfg.CACHE_TTL_POLICY), where).not.toThrow();
      break;
    }
    case 'llm-proxy': {
      expect(c.init && c.spec.restartPolicy === 'Always', `${where}: native sidecar`).toBe(true);
      const cfg = readLlmProxyConfig(env);
      expect(cfg.host, where).toBe('127.0.0.1');
      expect(cfg.adminPort, where).toBe(portNamed(c, 'llm-admin'));
      break;
    }
    case 'worker': {
      const cfg = loadWorkerConfig(env);
      expect(cfg.WORKER_ADMIN_PORT, where).toBe(portNamed(c, 'admin'));
      expect(c.pod.terminationGracePeriodSeconds * 1000, `${where}: grace period above the drain`).toBeGreaterThan(cfg.WORKER_SHUTDOWN_TIMEOUT_MS);
      break;
    }
    case 'controller': {
      const cfg = loadControllerConfig(env, []);
      expect(cfg.CONTROLLER_ADMIN_PORT, where).toBe(portNamed(c, 'admin'));
      break;
    }
    case 'injector': {
      const cfg = loadInjectorConfig(env);
      expect(cfg.INJECTOR_ADMIN_PORT, where).toBe(portNamed(c, 'admin'));
      expect(cfg.INJECTOR_PORT, where).toBe(portNamed(c, 'https'));
      // The release-wide injection config it mounts is one the injector accepts.
      expect(() => releaseInjectionConfig(docs, c), where).not.toThrow();
      break;
    }
    case 'app': {
      expect(env.CACHE_SIDECAR_URL ?? 'http://127.0.0.1', where).toMatch(/^http:\/\/127\.0\.0\.1/);
      if (env.APP_FLAGS_FILE) {
        // A directory mount (no subPath): a subPath mount never sees ConfigMap updates.
        const mount = (c.spec.volumeMounts as Obj[]).find((m) => env.APP_FLAGS_FILE.startsWith(`${m.mountPath}/`));
        expect(mount, `${where}: APP_FLAGS_FILE inside a mount`).toBeDefined();
        expect(mount!.subPath, `${where}: flags mount without subPath`).toBeUndefined();
        expect((c.pod.volumes as Obj[]).find((v) => v.name === mount!.name)?.configMap?.name, `${where}: flags from a ConfigMap`).toBeTruthy();
      }
      break;
    }
  }
}

/**
 * Each app container's flags file as the app would load it: the mounted
 * ConfigMap's file written to a temporary directory, read by pkg/flags with
 * the container's APP_FLAG_* overrides. Returns the loaded flags per Deployment.
 */
async function loadRenderedFlags(docs: Obj[]): Promise<Map<string, Awaited<ReturnType<typeof createFeatureFlags>>>> {
  const loaded = new Map<string, Awaited<ReturnType<typeof createFeatureFlags>>>();
  for (const dep of docs.filter((d) => d.kind === 'Deployment')) {
    for (const c of containersOf(dep).filter((x) => x.name === 'app')) {
      const env = envOf(c, docs);
      const mount = (c.spec.volumeMounts as Obj[]).find((m) => env.APP_FLAGS_FILE?.startsWith(`${m.mountPath}/`))!;
      const cmName = (c.pod.volumes as Obj[]).find((v) => v.name === mount.name)!.configMap.name as string;
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === cmName);
      expect(cm, `ConfigMap ${cmName}`).toBeDefined();
      const dir = mkdtempSync(join(tmpdir(), 'chart-flags-'));
      const fileName = env.APP_FLAGS_FILE.slice(mount.mountPath.length + 1);
      writeFileSync(join(dir, fileName), cm!.data[fileName]);
      try {
        const overrides = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('APP_FLAG_')));
        loaded.set(dep.metadata.name, await createFeatureFlags({ file: join(dir, fileName), env: overrides }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return loaded;
}

/** The injection config the injector container would load: its image, then the mounted release-wide file. */
function releaseInjectionConfig(docs: Obj[], c: Container) {
  const env = envOf(c, docs);
  const mount = (c.spec.volumeMounts as Obj[]).find((m) => env.INJECTOR_CONFIG_FILE.startsWith(`${m.mountPath}/`))!;
  const cmName = (c.pod.volumes as Obj[]).find((v) => v.name === mount.name)!.configMap.name as string;
  const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === cmName)!;
  const text = cm.data[env.INJECTOR_CONFIG_FILE.slice(mount.mountPath.length + 1)] as string;
  return resolveInjectionConfig([{ image: env.INJECTOR_SIDECAR_IMAGE }, parseConfigLayer(text, cmName)]);
}

function portNamed(c: Container, name: string): number {
  const p = (c.spec.ports ?? []).find((x: Obj) => x.name === name);
  expect(p, `${c.name}: port ${name}`).toBeDefined();
  return p.containerPort as number;
}

// ---- Tests -------------------------------------------------------------------

describe('chart files', () => {
  const plain = filesUnder(CHART).filter((f) => /\.ya?ml$/.test(f) && !relative(CHART, f).startsWith('templates'));

  it('parses every YAML file outside templates/', () => {
    expect(plain.map((f) => relative(CHART, f))).toEqual(expect.arrayContaining(['Chart.yaml', 'values.yaml', `crds/${CRD}`, 'ci/minimal-values.yaml']));
    for (const f of plain) expect(parseDocs(readFileSync(f, 'utf8'), f).length, f).toBeGreaterThan(0);
  });

  it('Chart.yaml is an apiVersion v2 application chart', () => {
    const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Obj;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'pilotfish', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('ships the controller CRD unchanged in crds/', () => {
    expect(readFileSync(join(CHART, 'crds', CRD), 'utf8')).toBe(readFileSync(join(ROOT, 'manifests', 'crds', CRD), 'utf8'));
  });

  it('PrometheusRule template loads the queue rules file, which is a groups document', () => {
    const tpl = readFileSync(join(CHART, 'templates', 'monitoring', 'prometheusrule.yaml'), 'utf8');
    expect(tpl).toContain('.Files.Get "files/prometheus/queue-rules.yaml"');
    const rules = parseYaml(readFileSync(join(CHART, 'files', 'prometheus', 'queue-rules.yaml'), 'utf8')) as Obj;
    expect(Object.keys(rules)).toEqual(['groups']);
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Obj;
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  const defaults = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Obj;
  const errors = () => JSON.stringify(validate.errors);

  it('accepts values.yaml and every ci variant merged over it', () => {
    expect(validate(defaults), errors()).toBe(true);
    const ci = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml'));
    expect(ci.length).toBeGreaterThanOrEqual(3);
    for (const f of ci) {
      const over = parseYaml(readFileSync(join(CHART, 'ci', f), 'utf8')) as Obj;
      expect(validate(mergeValues(defaults, over)), `${f}: ${errors()}`).toBe(true);
    }
  });

  it.each([
    ['an unknown key (a typo)', { cacheSidecar: { backnd: 'redis' } }],
    ['an unknown cache backend', { cacheSidecar: { backend: 'memcached' } }],
    ['an unknown LLM provider', { llmProxy: { fallback: ['gemini'] } }],
    ['worker concurrency 0', { worker: { concurrency: 0 } }],
    ['a malformed duration', { cacheSidecar: { opTimeout: 'fast' } }],
    ['an admin port out of range', { controller: { adminPort: 70000 } }],
    ['a zero autoscaler target', { worker: { autoscaler: { targets: { backlogPerReplica: 0 } } } }],
    ['a pull secret that is not a name', { imagePullSecrets: [{}] }],
    ['backend upstash without its URL and token Secret', { cacheSidecar: { backend: 'upstash' } }],
    ['two controllers without leader election', { controller: { leaderElection: { enabled: false } } }],
    ['an unknown flag in the flags file (a typo)', { app: { flags: { 'distributed-cach': false } } }],
    ['a flag override other than on/off', { app: { flagOverrides: { 'distributed-cache': 'disabled' } } }],
    ['an unknown flag in the canary flags file', { app: { canary: { flags: { 'llm-provider': false } } } }],
    ['a rate limit for an unknown role', { app: { rateLimit: { limits: { reader: 10 } } } }],
  ])('refuses %s', (_what, over) => {
    expect(validate(mergeValues(defaults, over))).toBe(false);
  });

  it('accepts every values example of docs/deploy.md', () => {
    const md = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
    const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parseYaml(m[1]) as Obj).filter((b) => !('kind' in b));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) expect(validate(mergeValues(defaults, b)), `${JSON.stringify(b)}: ${errors()}`).toBe(true);
  });

  it('documents every default: each leaf of values.yaml is in the chart README', () => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const leaves: string[] = [];
    const walk = (o: Obj, path: string) => {
      for (const [k, v] of Object.entries(o)) {
        const p = path ? `${path}.${k}` : k;
        // Maps whose keys are data (TTL scopes, aliases, labels) are documented as a whole.
        if (isPlainObject(v) && Object.keys(v).length && !['ttlPolicy', 'modelAliases', 'resources', 'targets', 'fallback', 'flags', 'podSecurityContext', 'containerSecurityContext', 'namespaceSelector', 'podSelector'].includes(k)) walk(v, p);
        else leaves.push(p);
      }
    };
    walk(defaults, '');
    const missing = leaves.filter((p) => !readme.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });
});

describe('manifests/pilotfish.yaml (the chart with default values)', () => {
  const text = readFileSync(MANIFEST, 'utf8');
  const docs = parseDocs(text, MANIFEST);

  it('says how it was rendered', () => {
    expect(text.split('\n')[0]).toMatch(/^# .*rendered from charts\/pilotfish/);
    expect(text).toContain('helm template pilotfish charts/pilotfish');
  });

  it('holds the expected kinds', () => {
    const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual(expect.arrayContaining([
      'CustomResourceDefinition/queueautoscalers.autoscaling.pilotfish.dev',
      'Deployment/pilotfish-app', 'Deployment/pilotfish-worker', 'Deployment/pilotfish-controller',
      'ConfigMap/pilotfish-cache-sidecar', 'ConfigMap/pilotfish-llm-proxy',
      'ServiceAccount/pilotfish-controller', 'ClusterRole/pilotfish-controller', 'ClusterRoleBinding/pilotfish-controller',
      'ServiceAccount/pilotfish-app', 'Role/pilotfish-app', 'RoleBinding/pilotfish-app',
      'Role/pilotfish-controller-leader-election', 'RoleBinding/pilotfish-controller-leader-election',
      'Service/pilotfish-worker', 'Service/pilotfish-controller', 'Service/pilotfish-app-metrics',
      'PodDisruptionBudget/pilotfish-worker', 'PodDisruptionBudget/pilotfish-controller',
      'Deployment/pilotfish-injector', 'Service/pilotfish-injector', 'ConfigMap/pilotfish-injector', 'ServiceAccount/pilotfish-injector',
      'ClusterRole/pilotfish-injector', 'ClusterRoleBinding/pilotfish-injector', 'Role/pilotfish-injector-tls', 'RoleBinding/pilotfish-injector-tls',
      'PodDisruptionBudget/pilotfish-injector', 'MutatingWebhookConfiguration/pilotfish-injector',
      'QueueAutoscaler/pilotfish-worker', 'Role/pilotfish-controller-queue-secrets', 'RoleBinding/pilotfish-controller-queue-secrets',
    ]));
    const apiVersions = new Set(docs.map((d) => d.apiVersion));
    expect([...apiVersions].filter((v) => v.startsWith('monitoring.coreos.com'))).toEqual([]);
  });

  it('has probes, resources and a locked-down security context on every container, secrets only by reference, and only variables the binaries read', () => {
    checkRendered(docs, 'default');
    const app = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pilotfish-app')!;
    expect(containersOf(app).map((c) => `${c.init ? 'init' : 'main'}:${c.name}`)).toEqual(['init:cache-sidecar', 'init:llm-proxy', 'main:app']);
  });

  it('runs cmd/app from the Pilotfish image, credentials from Secrets, the admin page pointed at the pod-local sidecars and the worker', async () => {
    const app = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pilotfish-app')!;
    const containers = containersOf(app);
    const main = containers.find((c) => c.name === 'app')!;
    const sidecar = containers.find((c) => c.name === 'cache-sidecar')!;
    expect(main.spec.image).toBe(sidecar.spec.image);
    expect(main.spec.command).toEqual(['node', 'dist/app.js']);
    expect(main.spec.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(main.spec.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(portNamed(main, 'http')).toBe(8080);
    const byName = Object.fromEntries((main.spec.env as Obj[]).map((e) => [e.name, e]));
    expect(byName.APP_PORT.value).toBe('8080');
    expect(byName.APP_API_KEYS.valueFrom.secretKeyRef).toEqual({ name: 'pilotfish-app', key: 'api-keys' });
    expect(byName.APP_SESSION_SECRET.valueFrom.secretKeyRef).toEqual({ name: 'pilotfish-app', key: 'session-secret' });
    expect(byName.CACHE_SIDECAR_ADMIN_URL.value).toBe(`http://127.0.0.1:${portNamed(sidecar, 'cache-admin')}`);
    expect(byName.LLM_PROXY_ADMIN_URL.value).toBe(`http://127.0.0.1:${portNamed(containers.find((c) => c.name === 'llm-proxy')!, 'llm-admin')}`);
    const worker = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'pilotfish-worker')!;
    expect(byName.WORKER_HEALTH_URL.value).toBe(`http://pilotfish-worker:${worker.spec.ports[0].port}`);
    const flags = await loadRenderedFlags(docs);
    expect([...flags.keys()]).toEqual(['pilotfish-app']);
    try {
      expect(await flags.get('pilotfish-app')!.isEnabled('distributed-cache', 'acme')).toBe(true);
      expect(await flags.get('pilotfish-app')!.isEnabled('llm-real-provider', 'acme')).toBe(true);
    } finally {
      await Promise.all([...flags.values()].map((f) => f.close()));
    }
  });

  it('the controller runs 2 replicas with Lease election and exactly the RBAC of manifests/controller', () => {
    const ctl = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pilotfish-controller')!;
    expect(ctl.spec.replicas).toBe(2);
    const env = Object.fromEntries((ctl.spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
    expect(env.CONTROLLER_LEADER_ELECTION).toBe('true');
    const reference = parseDocs(readFileSync(join(ROOT, 'manifests', 'controller', 'rbac.yaml'), 'utf8'), 'rbac.yaml');
    const refRole = reference.find((d) => d.kind === 'ClusterRole')!;
    expect(docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'pilotfish-controller')!.rules).toEqual(refRole.rules);
    const lease = docs.find((d) => d.kind === 'Role' && d.metadata.name.endsWith('leader-election'))!;
    const refLease = reference.find((d) => d.kind === 'Role')!;
    expect(lease.rules.map((r: Obj) => ({ ...r, resourceNames: undefined }))).toEqual(refLease.rules.map((r: Obj) => ({ ...r, resourceNames: undefined })));
    expect(lease.rules.flatMap((r: Obj) => r.resourceNames ?? [])).toEqual([env.CONTROLLER_LEASE_NAME]);
    const binding = docs.find((d) => d.kind === 'ClusterRoleBinding' && d.metadata.name === 'pilotfish-controller')!;
    expect(binding.subjects[0].name).toBe(ctl.spec.template.spec.serviceAccountName);
    expect(JSON.stringify(docs.filter((d) => d.kind === 'ClusterRole'))).not.toMatch(/"secrets"/);
  });
});

describe('the sidecar injector in manifests/pilotfish.yaml', () => {
  const docs = parseDocs(readFileSync(MANIFEST, 'utf8'), MANIFEST);
  const mwc = docs.find((d) => d.kind === 'MutatingWebhookConfiguration' && d.metadata.name === 'pilotfish-injector')!;
  const dep = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pilotfish-injector')!;

  it('is a webhook that never blocks pods or the cluster: Ignore, no side effects, 5 s, kube-system and its own namespace excluded', () => {
    expect(mwc.webhooks).toHaveLength(1);
    const hook = mwc.webhooks[0];
    expect(hook).toMatchObject({
      name: 'inject.pilotfish.dev', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore', timeoutSeconds: 5, reinvocationPolicy: 'IfNeeded',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    });
    const excluded = hook.namespaceSelector.matchExpressions.find((e: Obj) => e.key === 'kubernetes.io/metadata.name');
    expect(excluded.operator).toBe('NotIn');
    expect(excluded.values).toEqual(expect.arrayContaining(['kube-system', 'pilotfish']));
    expect(hook.objectSelector.matchExpressions).toEqual([{ key: 'pilotfish.dev/inject', operator: 'NotIn', values: ['false'] }]);
    expect(hook.clientConfig.caBundle).toBeUndefined();
  });

  it('points at a Service that reaches the injector\'s HTTPS port, whose certificate names that Service', () => {
    const { service } = mwc.webhooks[0].clientConfig;
    expect(service).toEqual({ name: 'pilotfish-injector', namespace: 'pilotfish', path: '/mutate', port: 443 });
    const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === service.name)!;
    expect(svc.spec.ports.find((p: Obj) => p.port === 443).targetPort).toBe('https');
    const labels = dep.spec.template.metadata.labels;
    expect(Object.entries(svc.spec.selector).every(([k, v]) => labels[k] === v)).toBe(true);
    const env = Object.fromEntries((dep.spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
    expect([env.INJECTOR_SERVICE_NAME, env.INJECTOR_NAMESPACE, env.INJECTOR_WEBHOOK_CONFIGURATION, env.INJECTOR_TLS_MODE]).toEqual(['pilotfish-injector', 'pilotfish', 'pilotfish-injector', 'self-signed']);
    expect(dep.spec.replicas).toBe(2);
  });

  it('has least-privilege RBAC: one ConfigMap name, its own webhook configuration, its own TLS Secret', () => {
    const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'pilotfish-injector')!;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['pilotfish-injection'], verbs: ['get'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['pilotfish-injector'], verbs: ['get', 'update'] },
    ]);
    const tls = docs.find((d) => d.kind === 'Role' && d.metadata.name === 'pilotfish-injector-tls')!;
    expect(tls.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['pilotfish-injector-tls'], verbs: ['get', 'update'] },
    ]);
  });

  it('injects what the chart puts in its own app pod: same image, ports, Secret references and sidecar settings', () => {
    const c = containersOf(dep)[0];
    const config = releaseInjectionConfig(docs, c);
    const pod: Pod = { metadata: { annotations: { 'pilotfish.dev/inject': 'cache,llm' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } };
    const result = injectionPatch(pod, config);
    expect(result).toHaveProperty('patch');
    const injected = applyJsonPatch(pod, 'patch' in result ? result.patch : []).spec!.initContainers!;
    const app = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pilotfish-app')!;
    for (const name of ['cache-sidecar', 'llm-proxy']) {
      const ours = injected.find((x) => x.name === name)! as Obj;
      const chart = containersOf(app).find((x) => x.name === name)!;
      expect(ours.image, name).toBe(chart.spec.image);
      expect(ours.command, name).toEqual(chart.spec.command);
      expect(ours.ports, name).toEqual(chart.spec.ports);
      expect(ours.resources, name).toEqual(chart.spec.resources);
      expect(ours.securityContext, name).toMatchObject(chart.spec.securityContext);
      const refs = (x: Obj[]) => Object.fromEntries(x.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom.secretKeyRef]));
      expect(refs(ours.env), name).toEqual(refs(chart.spec.env));
      // Every setting the chart's ConfigMap gives the sidecar, the injected env gives it too, with the same value.
      const chartEnv = envOf(chart, docs);
      const ourEnv = Object.fromEntries((ours.env as Obj[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      const same = name === 'cache-sidecar'
        ? ['CACHE_SIDECAR_HOST', 'CACHE_SIDECAR_PORT', 'CACHE_SIDECAR_ADMIN_PORT', 'CACHE_BACKEND', 'CACHE_OP_TIMEOUT_MS', 'NODE_ENV', 'LOG_LEVEL']
        : ['LLM_PROXY_HOST', 'LLM_PROXY_PORT', 'LLM_PROXY_ADMIN_PORT', 'LLM_PROVIDER', 'LLM_FALLBACK', 'LLM_MOCK_ENABLED', 'NODE_ENV', 'LOG_LEVEL'];
      for (const k of same) {
        expect(chartEnv[k], `${name} ${k} in the chart`).toBeDefined();
        expect(ourEnv[k], `${name} ${k}`).toBe(chartEnv[k]);
      }
      // Unset by default in both (nodeOptions ""), and the same when set.
      expect(ourEnv.NODE_OPTIONS, `${name} NODE_OPTIONS`).toBe(chartEnv.NODE_OPTIONS);
      if (name === 'cache-sidecar') expect(JSON.parse(ourEnv.CACHE_TTL_POLICY)).toEqual(JSON.parse(chartEnv.CACHE_TTL_POLICY));
      if (name === 'llm-proxy') expect(JSON.parse(ourEnv.LLM_MODEL_ALIASES)).toEqual(JSON.parse(chartEnv.LLM_MODEL_ALIASES));
    }
  });
});

// ---- With helm, when there is one --------------------------------------------

function findHelm(): string | undefined {
  for (const bin of [process.env.HELM_BIN, 'helm'].filter(Boolean) as string[]) {
    if (spawnSync(bin, ['version', '--short'], { stdio: 'ignore' }).status === 0) return bin;
  }
  return undefined;
}
const helm = findHelm();

function runHelm(args: string[]): string {
  const r = spawnSync(helm!, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!helm)('with helm', HELM_SUITE, () => {
  it('lints strictly with the defaults and every ci values file', () => {
    runHelm(['lint', 'charts/pilotfish', '--strict']);
    for (const f of readdirSync(join(CHART, 'ci'))) runHelm(['lint', 'charts/pilotfish', '--strict', '-f', `charts/pilotfish/ci/${f}`]);
  });

  it('renders every ci values file into manifests that pass the same checks', () => {
    for (const f of readdirSync(join(CHART, 'ci'))) {
      const docs = parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '-f', `charts/pilotfish/ci/${f}`]), f);
      checkRendered(docs, f);
    }
  });

  it('everything-on renders the QueueAutoscaler, ServiceMonitors, the PrometheusRule with the queue rules, and NetworkPolicies', () => {
    const docs = parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '-f', 'charts/pilotfish/ci/full-values.yaml']), 'full');
    const rules = parseYaml(readFileSync(join(CHART, 'files', 'prometheus', 'queue-rules.yaml'), 'utf8')) as Obj;
    expect(docs.find((d) => d.kind === 'PrometheusRule')!.spec).toEqual(rules);
    expect(docs.filter((d) => d.kind === 'ServiceMonitor').flatMap((d) => d.spec.endpoints.map((e: Obj) => e.port)).sort()).toEqual(['admin', 'admin', 'admin', 'cache-admin', 'http', 'llm-admin']);
    expect(docs.find((d) => d.kind === 'ServiceMonitor' && d.metadata.name === 'pf-pilotfish-injector')!.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('injector');
    const qas = docs.find((d) => d.kind === 'QueueAutoscaler')!;
    expect(qas.spec.scaleTargetRef.name).toBe('pf-pilotfish-worker');
    expect(docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pf-pilotfish-worker')!.spec.replicas).toBeUndefined();
    const secretRoles = docs.filter((d) => d.kind === 'Role' && d.metadata.name.endsWith('queue-secrets'));
    expect(secretRoles.map((r) => [r.metadata.namespace, r.rules[0].resourceNames])).toEqual([['apps', ['render-redis']], ['emails', ['email-redis']]]);
    const appPolicy = docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'pf-pilotfish-app')!;
    const ports = appPolicy.spec.ingress.flatMap((i: Obj) => i.ports.map((p: Obj) => p.port));
    expect(ports).toEqual(['http', 9700, 9701]);
    // The app's port admits the ingress peers and Prometheus (the app's /metrics is on it).
    const appRule = appPolicy.spec.ingress.find((i: Obj) => i.ports.some((p: Obj) => p.port === 'http'));
    expect(appRule.from).toHaveLength(2);
    expect(appRule.from[1].podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'prometheus' } });
  });

  it('the QueueAutoscaler it renders passes the CRD schema and CEL rules, with the default and the ci autoscaler values', async () => {
    const checker = await CrdChecker.load();
    const renders = [
      runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '--set', 'worker.autoscaler.enabled=true']),
      runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '-f', 'charts/pilotfish/ci/full-values.yaml']),
    ];
    for (const text of renders) {
      const qas = parseDocs(text, 'qas').find((d) => d.kind === 'QueueAutoscaler')!;
      expect(checker.check(qas).problems).toEqual([]);
    }
    // and the checker does refuse a bad one: minReplicas above maxReplicas
    const bad = parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '--set', 'worker.autoscaler.enabled=true', '--set', 'worker.autoscaler.minReplicas=50']), 'bad').find((d) => d.kind === 'QueueAutoscaler')!;
    expect(checker.check(bad).problems.length).toBeGreaterThan(0);
  });

  it('canary values give a second app Deployment behind the same Service, with its own image and flags file', async () => {
    const docs = parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '-f', 'charts/pilotfish/ci/canary-values.yaml']), 'canary');
    const stable = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pf-pilotfish-app')!;
    const canary = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pf-pilotfish-app-canary')!;
    expect(canary).toBeDefined();
    const service = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'pf-pilotfish-app')!;
    const matches = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const dep of [stable, canary]) expect(matches(service.spec.selector, dep.spec.template.metadata.labels), dep.metadata.name).toBe(true);
    // Each Deployment owns only its own track's pods.
    expect(matches(stable.spec.selector.matchLabels, canary.spec.template.metadata.labels)).toBe(true);
    expect(matches(canary.spec.selector.matchLabels, stable.spec.template.metadata.labels)).toBe(false);
    const image = (dep: Obj) => containersOf(dep).find((c) => c.name === 'app')!.spec.image as string;
    expect(image(canary)).toMatch(/:0\.2\.0-rc\.1$/);
    expect(image(stable)).not.toMatch(/rc/);
    const flags = await loadRenderedFlags(docs);
    try {
      expect(await flags.get('pf-pilotfish-app')!.isEnabled('llm-real-provider', 'canary')).toBe(true);
      expect(await flags.get('pf-pilotfish-app-canary')!.isEnabled('llm-real-provider', 'canary')).toBe(false);
      expect(await flags.get('pf-pilotfish-app-canary')!.isEnabled('llm-real-provider', 'acme')).toBe(true);
    } finally {
      await Promise.all([...flags.values()].map((f) => f.close()));
    }
  });

  it('turns app.flagOverrides into APP_FLAG_* variables the app accepts', async () => {
    const docs = parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '--set', 'app.flagOverrides.distributed-cache=off']), 'overrides');
    const flags = await loadRenderedFlags(docs);
    try {
      expect(await flags.get('pf-pilotfish-app')!.isEnabled('distributed-cache', 'acme')).toBe(false);
    } finally {
      await Promise.all([...flags.values()].map((f) => f.close()));
    }
  });

  it('refuses an app without any credential source, and one with both JWT kinds', () => {
    expect(() => runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '--set', 'app.apiKeys.existingSecret='])).toThrow(/credential source/);
    expect(() => runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '--set', 'app.jwt.secret.existingSecret=a', '--set', 'app.jwt.publicKey.existingSecret=b'])).toThrow(/not both/);
  });

  it('renders the injector as configured: Fail, selectors, cert-manager TLS without Secret access, or nothing at all', () => {
    const custom = parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps',
      '--set', 'injector.failurePolicy=Fail', '--set', 'injector.timeoutSeconds=3', '--set', 'injector.reinvocationPolicy=Never',
      '--set', 'injector.excludeNamespaces={legacy}', '--set', 'injector.tls.mode=cert-manager',
      '--set', 'injector.config.llm.provider=mock', '--set', 'injector.config.llm.mockEnabled=true']), 'injector');
    const hook = custom.find((d) => d.kind === 'MutatingWebhookConfiguration')!;
    expect(hook.metadata.annotations['cert-manager.io/inject-ca-from']).toBe('apps/pf-pilotfish-injector-tls');
    expect(hook.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', timeoutSeconds: 3, reinvocationPolicy: 'Never' });
    expect(hook.webhooks[0].namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'kube-public', 'kube-node-lease', 'apps', 'legacy']);
    const certs = custom.filter((d) => d.kind === 'Certificate');
    expect(certs.map((d) => d.metadata.name)).toEqual(['pf-pilotfish-injector-ca', 'pf-pilotfish-injector-tls']);
    expect(certs[1].spec.dnsNames).toContain('pf-pilotfish-injector.apps.svc');
    expect(custom.find((d) => d.kind === 'Role' && d.metadata.name === 'pf-pilotfish-injector-tls')).toBeUndefined();
    expect(JSON.stringify(custom.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'pf-pilotfish-injector'))).not.toContain('mutatingwebhookconfigurations');
    const dep = custom.find((d) => d.kind === 'Deployment' && d.metadata.name === 'pf-pilotfish-injector')!;
    const c = containersOf(dep)[0];
    expect(envOf(c, custom).INJECTOR_TLS_MODE).toBe('files');
    expect((c.pod.volumes as Obj[]).find((v) => v.name === 'tls')!.secret.secretName).toBe('pf-pilotfish-injector-tls');
    expect(releaseInjectionConfig(custom, c).llm).toMatchObject({ provider: 'mock', mockEnabled: true });
    checkRendered(custom, 'injector');

    const off = parseDocs(runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '--set', 'injector.enabled=false']), 'injector off');
    expect(off.filter((d) => JSON.stringify(d.metadata ?? {}).includes('injector'))).toEqual([]);
    expect(() => runHelm(['template', 'pf', 'charts/pilotfish', '-n', 'apps', '--set', 'injector.failurePolicy=Sometimes'])).toThrow(/failurePolicy/);
  });

  it('the committed manifest is a fresh render of the defaults', () => {
    const fresh = renderManifest(helm!);
    expect(readFileSync(MANIFEST, 'utf8'), 'manifests/pilotfish.yaml is stale: run `npm run manifests` (HELM_BIN names helm) and commit it').toBe(fresh);
  });

  it('the manifests script keeps the header and Helm\'s output as is', () => {
    const file = manifestFile('v9.9.9+gabc', '# a warning line\n---\nkind: A\n---\nkind: B\n');
    expect(file.startsWith(manifestHeader('v9.9.9'))).toBe(true);
    expect(file).toContain('# Helm v9.9.9. Apply');
    expect(file.endsWith('\n---\nkind: A\n---\nkind: B\n')).toBe(true);
    expect(() => manifestFile('v1', 'nothing rendered')).toThrow(/no document/);
  });
});
