/**
 * The chart's ci/ scenarios, each rendered and checked for what it is for
 * (chart.test.ts lints every one and runs its common checks on each render),
 * the NetworkPolicy of the injector, and the optional credentials wired from
 * Secrets: CACHE_UPSTASH_TOKENS, LLM_PROXY_TOKEN, LLM_PROXY_KEYS and the
 * LLM_UPSTREAMS list with its keys.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadCacheSidecarConfig } from '#pkg/cachesidecar/index.ts';
import { readLlmProxyConfig } from '#pkg/llmproxy/index.ts';
import { applyJsonPatch, injectionPatch, parseConfigLayer, resolveInjectionConfig, type Pod } from '#pkg/inject/index.ts';
import { CHART, HELM_SUITE, find, helm, render, runHelm, type Obj } from './chart-helm.ts';

const scenario = (name: string) => render('-f', `charts/pilotfish/ci/${name}-values.yaml`);
const deployments = (docs: Obj[]) => docs.filter((d) => d.kind === 'Deployment');
const podSpec = (dep: Obj) => dep.spec.template.spec as Obj;
const allContainers = (dep: Obj): Obj[] => [...(podSpec(dep).initContainers ?? []), ...podSpec(dep).containers];
const container = (dep: Obj, name: string) => allContainers(dep).find((c) => c.name === name);
const envByName = (c: Obj): Record<string, Obj> => Object.fromEntries((c.env as Obj[] ?? []).map((e) => [e.name, e]));
const secretRef = (c: Obj, name: string) => envByName(c)[name]?.valueFrom?.secretKeyRef as Obj | undefined;
const selects = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** What a Secret would hold for these variables (the others: any string). */
const SECRET_EXAMPLES: Record<string, string> = {
  LLM_PROXY_KEYS: JSON.stringify({ 'client-key-0123456789abcdef0123': { tenant: 'acme', rpm: 60 } }),
  CACHE_UPSTASH_TOKENS: JSON.stringify({ 'upstash-token-0123456789abcdef': { tenant: 'acme' } }),
};

/** The environment a container gets from its ConfigMap and env, each Secret's value an example. */
function renderedEnv(cm: Obj, c: Obj): Record<string, string> {
  const env: Record<string, string> = { ...cm.data };
  for (const e of c.env as Obj[]) {
    env[e.name] = e.valueFrom?.secretKeyRef ? SECRET_EXAMPLES[e.name] ?? `placeholder-${e.name.toLowerCase()}` : e.valueFrom ? 'placeholder-field' : String(e.value);
  }
  return env;
}

/** Every `existingSecret` named anywhere in a values file. */
function secretsNamedIn(values: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(values)) for (const v of values) secretsNamedIn(v, out);
  else if (values && typeof values === 'object') {
    for (const [k, v] of Object.entries(values)) {
      if (k === 'existingSecret' && typeof v === 'string' && v) out.add(v);
      else secretsNamedIn(v, out);
    }
  }
  return out;
}

describe.skipIf(!helm)('ci scenarios', HELM_SUITE, () => {
  it('ships the six scenarios of issue 13 (and keeps the older ones)', () => {
    const files = readdirSync(join(CHART, 'ci'));
    expect(files).toEqual(expect.arrayContaining(['default-values.yaml', 'sidecars-off-values.yaml', 'upstash-values.yaml', 'canary-values.yaml', 'injection-off-values.yaml', 'production-values.yaml']));
  });

  it('default: exactly what the chart renders with no values', () => {
    expect(scenario('default')).toEqual(render());
  });

  it('sidecars off: an app pod with no sidecar and no sidecar URL, their ConfigMaps and LLM Secrets gone, the injector still there', () => {
    const docs = scenario('sidecars-off');
    const app = find(docs, 'Deployment', 'pf-pilotfish-app')!;
    expect(podSpec(app).initContainers).toBeUndefined();
    expect(Object.keys(envByName(container(app, 'app')!))).not.toContain('CACHE_SIDECAR_URL');
    expect(envByName(container(app, 'app')!).LLM_PROXY_URL).toBeUndefined();
    expect(find(docs, 'ConfigMap', 'pf-pilotfish-cache-sidecar')).toBeUndefined();
    expect(find(docs, 'ConfigMap', 'pf-pilotfish-llm-proxy')).toBeUndefined();
    expect(JSON.stringify(docs)).not.toContain('pilotfish-llm"');
    expect(find(docs, 'MutatingWebhookConfiguration', 'pf-pilotfish-injector')).toBeDefined();
  });

  it('upstash: the sidecar on Upstash REST with its token and its /upstash tokens from the existing Secret, no Redis URL', () => {
    const docs = scenario('upstash');
    const sidecar = container(find(docs, 'Deployment', 'pf-pilotfish-app')!, 'cache-sidecar')!;
    expect(secretRef(sidecar, 'UPSTASH_REDIS_REST_TOKEN')).toEqual({ name: 'pilotfish-upstash', key: 'token' });
    expect(secretRef(sidecar, 'CACHE_UPSTASH_TOKENS')).toEqual({ name: 'pilotfish-upstash', key: 'sidecar-tokens' });
    expect(envByName(sidecar).REDIS_URL).toBeUndefined();
    const cm = find(docs, 'ConfigMap', 'pf-pilotfish-cache-sidecar')!;
    const cfg = loadCacheSidecarConfig({ ...cm.data, UPSTASH_REDIS_REST_TOKEN: 'x'.repeat(20), CACHE_UPSTASH_TOKENS: '{}' });
    expect([cfg.CACHE_BACKEND, cfg.UPSTASH_REDIS_REST_URL]).toEqual(['upstash', 'https://eu1-example-12345.upstash.io']);
  });

  it('canary: a second app Deployment with its own image tag behind the app Service', () => {
    const docs = scenario('canary');
    const canary = find(docs, 'Deployment', 'pf-pilotfish-app-canary')!;
    expect(container(canary, 'app')!.image).toMatch(/:0\.2\.0-rc\.1$/);
    expect(selects(find(docs, 'Service', 'pf-pilotfish-app')!.spec.selector, canary.spec.template.metadata.labels)).toBe(true);
  });

  it('injection off: no webhook configuration and no injector object at all; the app pod keeps its sidecars', () => {
    const docs = scenario('injection-off');
    expect(docs.filter((d) => d.kind === 'MutatingWebhookConfiguration')).toEqual([]);
    expect(docs.filter((d) => d.metadata?.labels?.['app.kubernetes.io/component'] === 'injector')).toEqual([]);
    expect(podSpec(find(docs, 'Deployment', 'pf-pilotfish-app')!).initContainers.map((c: Obj) => c.name)).toEqual(['cache-sidecar', 'llm-proxy']);
  });

  describe('production', () => {
    const values = parseYaml(readFileSync(join(CHART, 'ci', 'production-values.yaml'), 'utf8')) as Obj;
    const docs = helm ? scenario('production') : [];

    it('reads only Secrets the values file names, and creates none', () => {
      expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
      const named = secretsNamedIn(values);
      const referenced = new Set(deployments(docs).flatMap((d) => allContainers(d)).flatMap((c) => (c.env as Obj[] ?? []).map((e) => e.valueFrom?.secretKeyRef?.name).filter(Boolean)));
      expect(referenced.size).toBeGreaterThanOrEqual(6);
      expect([...referenced].filter((n) => !named.has(n))).toEqual([]);
    });

    it('runs an HA controller: 3 replicas electing one leader through a Lease its Role may write', () => {
      const ctl = find(docs, 'Deployment', 'pf-pilotfish-controller')!;
      expect(ctl.spec.replicas).toBe(3);
      const env = envByName(container(ctl, 'controller')!);
      expect(env.CONTROLLER_LEADER_ELECTION.value).toBe('true');
      const role = find(docs, 'Role', 'pf-pilotfish-controller-leader-election')!;
      expect(role.rules.flatMap((r: Obj) => r.resourceNames ?? [])).toContain(env.CONTROLLER_LEASE_NAME.value);
    });

    it('gives every Deployment a PodDisruptionBudget and a NetworkPolicy that select its pods', () => {
      for (const dep of deployments(docs)) {
        const labels = dep.spec.template.metadata.labels;
        const pdbs = docs.filter((d) => d.kind === 'PodDisruptionBudget' && selects(d.spec.selector.matchLabels, labels));
        expect(pdbs.map((p) => p.spec.maxUnavailable), dep.metadata.name).toEqual([1]);
        const policies = docs.filter((d) => d.kind === 'NetworkPolicy' && selects(d.spec.podSelector.matchLabels, labels));
        expect(policies.length, dep.metadata.name).toBe(1);
      }
    });

    it('scrapes every metrics port with a ServiceMonitor, loads the queue rules and ships the Grafana dashboards', () => {
      const monitors = docs.filter((d) => d.kind === 'ServiceMonitor');
      expect(monitors.map((m) => m.metadata.name).sort()).toEqual(['app', 'cache-sidecar', 'controller', 'injector', 'llm-proxy', 'worker'].map((n) => `pf-pilotfish-${n}`));
      for (const m of monitors) expect(m.metadata.labels.release).toBe('kube-prometheus-stack');
      expect(docs.filter((d) => d.kind === 'PrometheusRule')).toHaveLength(1);
      const dashboards = docs.filter((d) => d.kind === 'ConfigMap' && d.metadata.labels?.grafana_dashboard === '1');
      expect(dashboards.map((d) => d.metadata.namespace)).toEqual(['monitoring', 'monitoring', 'monitoring']);
    });

    it('lets the injector\'s webhook port take the API server\'s calls and its admin port Prometheus only', () => {
      const policy = find(docs, 'NetworkPolicy', 'pf-pilotfish-injector')!;
      const [webhook, admin] = policy.spec.ingress as Obj[];
      const dep = find(docs, 'Deployment', 'pf-pilotfish-injector')!;
      const ports = Object.fromEntries((container(dep, 'injector')!.ports as Obj[]).map((p) => [p.name, p.containerPort]));
      expect(webhook).toEqual({ ports: [{ port: ports.https, protocol: 'TCP' }] });
      expect(admin.ports).toEqual([{ port: ports.admin, protocol: 'TCP' }]);
      expect(admin.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }]);
      const narrowed = find(render('-f', 'charts/pilotfish/ci/production-values.yaml', '--set-json', 'networkPolicy.injectorFrom=[{"ipBlock":{"cidr":"10.0.0.0/28"}}]'), 'NetworkPolicy', 'pf-pilotfish-injector')!;
      expect(narrowed.spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '10.0.0.0/28' } }]);
    });
  });
});

describe.skipIf(!helm)('NOTES.txt', HELM_SUITE, () => {
  it.each(['default', 'production', 'upstash', 'minimal'])('names every Secret key the %s scenario reads', (name) => {
    const file = `charts/pilotfish/ci/${name}-values.yaml`;
    const output = runHelm(['install', 'pf', 'charts/pilotfish', '-n', 'apps', '--dry-run=client', '-f', file, '--set', 'llmProxy.callerToken.existingSecret=pf-llm-proxy']);
    const notes = output.slice(output.indexOf('\nNOTES:\n'));
    expect(notes.length).toBeGreaterThan(100);
    const docs = render('-f', file, '--set', 'llmProxy.callerToken.existingSecret=pf-llm-proxy');
    const refs = new Set(deployments(docs).flatMap(allContainers).flatMap((c) => (c.env as Obj[] ?? []).map((e) => e.valueFrom?.secretKeyRef).filter(Boolean).map((r: Obj) => `${r.name} (key ${r.key})`)));
    expect(refs.size).toBeGreaterThanOrEqual(3);
    expect([...refs].filter((r) => !notes.includes(r))).toEqual([]);
  });
});

describe.skipIf(!helm)('optional credentials, from Secrets only', HELM_SUITE, () => {
  const upstreams = [
    { name: 'azure', kind: 'azure-openai', baseURL: 'https://example.openai.azure.com', apiKeyEnv: 'AZURE_OPENAI_API_KEY', models: ['gpt-4o'] },
    { name: 'vllm', kind: 'openai-compatible', baseURL: 'http://vllm.models:8000/v1', models: ['meta-llama/*'] },
  ];
  const wired = () => render(
    '--set', 'cacheSidecar.upstashTokens.existingSecret=cache-upstash', '--set', 'llmProxy.callerToken.existingSecret=llm-proxy',
    '--set', 'llmProxy.clientKeys.existingSecret=llm-proxy',
    '--set-json', `llmProxy.upstreams=${JSON.stringify(upstreams)}`,
    '--set-json', 'llmProxy.upstreamKeys=[{"env":"AZURE_OPENAI_API_KEY","existingSecret":"llm-upstreams","secretKey":"azure"}]',
  );

  it('are absent by default', () => {
    const docs = render();
    const app = find(docs, 'Deployment', 'pf-pilotfish-app')!;
    const names = allContainers(app).flatMap((c) => Object.keys(envByName(c)));
    for (const v of ['CACHE_UPSTASH_TOKENS', 'LLM_PROXY_TOKEN', 'LLM_PROXY_KEYS']) expect(names).not.toContain(v);
    expect(envByName(container(app, 'app')!).OPENAI_API_KEY).toBeUndefined();
    expect(find(docs, 'ConfigMap', 'pf-pilotfish-llm-proxy')!.data.LLM_UPSTREAMS).toBeUndefined();
  });

  it('each reaches its container as a secretKeyRef, and the proxy\'s token reaches the app as the SDKs\' API keys', () => {
    const docs = wired();
    const app = find(docs, 'Deployment', 'pf-pilotfish-app')!;
    expect(secretRef(container(app, 'cache-sidecar')!, 'CACHE_UPSTASH_TOKENS')).toEqual({ name: 'cache-upstash', key: 'upstash-tokens' });
    const proxy = container(app, 'llm-proxy')!;
    expect(secretRef(proxy, 'LLM_PROXY_TOKEN')).toEqual({ name: 'llm-proxy', key: 'proxy-token' });
    expect(secretRef(proxy, 'LLM_PROXY_KEYS')).toEqual({ name: 'llm-proxy', key: 'client-keys' });
    expect(secretRef(proxy, 'AZURE_OPENAI_API_KEY')).toEqual({ name: 'llm-upstreams', key: 'azure' });
    for (const v of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']) expect(secretRef(container(app, 'app')!, v)).toEqual({ name: 'llm-proxy', key: 'proxy-token' });
    // The proxy's own loader takes the rendered environment, with the token list the Secret holds (two during a rotation).
    const cm = find(docs, 'ConfigMap', 'pf-pilotfish-llm-proxy')!;
    expect(readLlmProxyConfig({ ...renderedEnv(cm, proxy), LLM_PROXY_TOKEN: 'old-token,new-token' }).callerTokens).toEqual(['old-token', 'new-token']);
  });

  it('LLM_UPSTREAMS is the list as given, in the proxy\'s ConfigMap, each apiKeyEnv set from a Secret, and the proxy\'s loader takes it', () => {
    const docs = wired();
    const cm = find(docs, 'ConfigMap', 'pf-pilotfish-llm-proxy')!;
    expect(JSON.parse(cm.data.LLM_UPSTREAMS)).toEqual(upstreams);
    const proxy = container(find(docs, 'Deployment', 'pf-pilotfish-app')!, 'llm-proxy')!;
    for (const u of upstreams.filter((x) => x.apiKeyEnv)) expect(secretRef(proxy, u.apiKeyEnv!), u.name).toBeDefined();
    expect(() => readLlmProxyConfig(renderedEnv(cm, proxy))).not.toThrow();
    // Without the Secret reference the proxy would not start: the chart refuses first (below).
    expect(() => readLlmProxyConfig({ ...renderedEnv(cm, proxy), AZURE_OPENAI_API_KEY: '' })).toThrow(/AZURE_OPENAI_API_KEY/);

    const latency = find(render('--set-json', `llmProxy.upstreams=${JSON.stringify(upstreams.slice(1))}`, '--set', 'llmProxy.upstreamRouting=latency'), 'ConfigMap', 'pf-pilotfish-llm-proxy')!;
    expect(JSON.parse(latency.data.LLM_UPSTREAMS)).toEqual({ routing: 'latency', upstreams: upstreams.slice(1) });
  });

  it('the near cache, the proxy\'s Redis and its response cache: values reach the variables both binaries\' loaders take', () => {
    const docs = render('--set', 'cacheSidecar.nearCache.enabled=true', '--set', 'cacheSidecar.nearCache.maxBytes=8388608', '--set', 'llmProxy.redis.enabled=true',
      '--set-json', 'llmProxy.responseCache={"rules":[{"models":["gpt-4o-mini"],"ttlSeconds":300}],"sampled":true,"maxTtl":"1h","maxBytes":2097152}');
    const app = find(docs, 'Deployment', 'pf-pilotfish-app')!;
    const sidecarCm = find(docs, 'ConfigMap', 'pf-pilotfish-cache-sidecar')!;
    expect(sidecarCm.data).toMatchObject({ CACHE_NEAR_CACHE: 'on', CACHE_NEAR_MAX_BYTES: '8388608' });
    const sidecarCfg = loadCacheSidecarConfig(renderedEnv(sidecarCm, container(app, 'cache-sidecar')!));
    expect([sidecarCfg.CACHE_NEAR_CACHE, sidecarCfg.CACHE_NEAR_MAX_BYTES]).toEqual(['on', 8388608]);

    const proxy = container(app, 'llm-proxy')!;
    expect(secretRef(proxy, 'REDIS_URL')).toEqual({ name: 'pilotfish-redis', key: 'url' });
    const proxyCm = find(docs, 'ConfigMap', 'pf-pilotfish-llm-proxy')!;
    const cfg = readLlmProxyConfig({ ...renderedEnv(proxyCm, proxy), REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(cfg.governance).toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', cacheSampled: true, cacheMaxTtlMs: 3_600_000, cacheRules: [{ ttlSeconds: 300 }] });
    expect(cfg.governance.cacheRules[0].models('gpt-4o-mini')).toBe(true);
    // Off by default: no Redis for the proxy, the near cache off.
    const plain = render();
    expect(secretRef(container(find(plain, 'Deployment', 'pf-pilotfish-app')!, 'llm-proxy')!, 'REDIS_URL')).toBeUndefined();
    expect(find(plain, 'ConfigMap', 'pf-pilotfish-cache-sidecar')!.data.CACHE_NEAR_CACHE).toBe('off');
  });

  it('X-Cache-TTL: on by default, and cacheSidecar.ttlHeader=false reaches the sidecar\'s loader as CACHE_TTL_HEADER=off', () => {
    const load = (docs: ReturnType<typeof render>) => {
      const cm = find(docs, 'ConfigMap', 'pf-pilotfish-cache-sidecar')!;
      return [cm.data.CACHE_TTL_HEADER, loadCacheSidecarConfig(renderedEnv(cm, container(find(docs, 'Deployment', 'pf-pilotfish-app')!, 'cache-sidecar')!)).CACHE_TTL_HEADER];
    };
    expect(load(render())).toEqual(['on', 'on']);
    expect(load(render('--set', 'cacheSidecar.ttlHeader=false'))).toEqual(['off', 'off']);
    expect(() => render('--set', 'cacheSidecar.ttlHeader=sometimes')).toThrow(/ttlHeader/);
  });

  it('cacheSidecar.ttlHeader=false reaches injected sidecars too: through the injector\'s release-wide config to the sidecar\'s loader', () => {
    const injected = (docs: ReturnType<typeof render>) => {
      const text = find(docs, 'ConfigMap', 'pf-pilotfish-injector')!.data['config.yaml'] as string;
      const config = resolveInjectionConfig([{ image: 'ghcr.io/pilotfish/pilotfish:test' }, parseConfigLayer(text, 'pf-pilotfish-injector')]);
      const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'apps', annotations: { 'pilotfish.dev/inject': 'cache' } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } };
      const result = injectionPatch(pod, config);
      if (!('patch' in result)) throw new Error(`expected a patch, got ${JSON.stringify(result)}`);
      const sidecar = applyJsonPatch(pod, result.patch).spec!.initContainers!.find((c) => c.name === 'cache-sidecar')!;
      return [config.cache.ttlHeader, loadCacheSidecarConfig(renderedEnv({ data: {} }, sidecar as Obj)).CACHE_TTL_HEADER];
    };
    expect(injected(render())).toEqual([true, 'on']);
    expect(injected(render('--set', 'cacheSidecar.ttlHeader=false'))).toEqual([false, 'off']);
  });

  it('refuses an upstream whose key no Secret sets, and a key written inline', () => {
    expect(() => render('--set-json', `llmProxy.upstreams=${JSON.stringify([upstreams[0]])}`)).toThrow(/apiKeyEnv AZURE_OPENAI_API_KEY is set by no Secret reference/);
    expect(() => render('--set-json', 'llmProxy.upstreams=[{"name":"x","kind":"openai","apiKey":"sk-inline"}]')).toThrow(/llmProxy\/upstreams\/0': 'not' failed/);
    expect(() => render('--set-json', 'llmProxy.upstreamKeys=[{"env":"AZURE_KEY","existingSecret":"","secretKey":"k"}]')).toThrow(/upstreamKeys\/0\/existingSecret/);
  });
});
