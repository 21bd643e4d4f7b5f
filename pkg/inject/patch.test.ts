import { describe, expect, it } from 'vitest';
import {
  applyJsonPatch, injectionPatch, InjectionConfigError, resolveInjectionConfig, SIDECAR_SECURITY_CONTEXT,
  type Container, type InjectionResult, type JsonPatchOp, type Pod,
} from './index.ts';

const config = resolveInjectionConfig([{ image: 'ghcr.io/pilotfish/pilotfish:0.1.0', cache: { tokenSecret: { name: 'cache-token', key: 'token' } } }]);

function pod(spec: Pod['spec'], annotations: Record<string, string> | undefined = { 'pilotfish.dev/inject': 'cache,llm' }, extra: Pod['metadata'] = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'apps', ...extra, ...(annotations ? { annotations } : {}) }, spec };
}
const app = (over: Partial<Container> = {}): Container => ({ name: 'app', image: 'registry.example/app:1', ...over });

function patched(p: Pod, result: InjectionResult = injectionPatch(p, config)): Pod {
  if (!('patch' in result)) throw new Error(`expected a patch, got ${JSON.stringify(result)}`);
  return applyJsonPatch(p, result.patch);
}
const envOf = (c: Container | undefined) => Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const names = (cs: Container[] | undefined) => (cs ?? []).map((c) => c.name);

describe('injectionPatch', () => {
  it('adds both native sidecars, hardened, probed and resourced, to a minimal pod', () => {
    const out = patched(pod({ containers: [app()] }));
    expect(names(out.spec?.initContainers)).toEqual(['cache-sidecar', 'llm-proxy']);
    for (const c of out.spec!.initContainers!) {
      expect(c.restartPolicy).toBe('Always');
      expect(c.image).toBe('ghcr.io/pilotfish/pilotfish:0.1.0');
      expect(c.securityContext).toEqual(SIDECAR_SECURITY_CONTEXT);
      expect(c).toHaveProperty('startupProbe.httpGet.path', '/healthz');
      expect(c).toHaveProperty('readinessProbe.httpGet.path', '/readyz');
      expect(c).toHaveProperty('livenessProbe.httpGet.path', '/healthz');
      expect(c.volumeMounts).toEqual([{ name: 'pilotfish-tmp', mountPath: '/tmp' }]);
    }
    const [cache, llm] = out.spec!.initContainers!;
    expect(cache.command).toEqual(['node', '--max-semi-space-size=2', '--max-old-space-size=128', '--v8-pool-size=1', '--no-allocation-site-pretenuring', '--no-concurrent-recompilation', '--no-parallel-scavenge', '--no-minor-gc-task', 'dist/cache-sidecar.js']);
    expect(cache.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(envOf(cache)).toMatchObject({
      CACHE_SIDECAR_HOST: '127.0.0.1', CACHE_SIDECAR_PORT: '7700', CACHE_SIDECAR_ADMIN_PORT: '9700', CACHE_BACKEND: 'redis',
      REDIS_URL: { secretKeyRef: { name: 'pilotfish-redis', key: 'url' } }, CACHE_SIDECAR_TOKEN: { secretKeyRef: { name: 'cache-token', key: 'token' } },
    });
    expect(llm.command).toEqual(['node', '--max-semi-space-size=1', 'dist/llm-proxy.js']);
    expect(envOf(llm)).toMatchObject({
      LLM_PROXY_HOST: '127.0.0.1', LLM_PROXY_PORT: '7701', LLM_PROVIDER: 'openai', LLM_FALLBACK: 'anthropic',
      OPENAI_API_KEY: { secretKeyRef: { name: 'pilotfish-llm', key: 'openai-api-key' } },
      ANTHROPIC_API_KEY: { secretKeyRef: { name: 'pilotfish-llm', key: 'anthropic-api-key' } },
    });
    expect(envOf(out.spec!.containers![0])).toEqual({
      CACHE_SIDECAR_URL: 'http://127.0.0.1:7700', CACHE_SIDECAR_TOKEN: { secretKeyRef: { name: 'cache-token', key: 'token' } },
      LLM_PROXY_URL: 'http://127.0.0.1:7701', OPENAI_BASE_URL: 'http://127.0.0.1:7701/v1', ANTHROPIC_BASE_URL: 'http://127.0.0.1:7701',
    });
    expect(out.spec!.volumes).toEqual([{ name: 'pilotfish-tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(out.metadata!.annotations!['pilotfish.dev/injected']).toBe('cache,llm');
  });

  it('CACHE_TTL_HEADER: left to the sidecar\'s default (on) unless cache.ttlHeader is false; the config\'s env still comes last', () => {
    expect(envOf(patched(pod({ containers: [app()] })).spec!.initContainers![0])).not.toHaveProperty('CACHE_TTL_HEADER');
    const off = resolveInjectionConfig([{ image: 'ghcr.io/pilotfish/pilotfish:0.1.0', cache: { ttlHeader: false } }]);
    expect(envOf(patched(pod({ containers: [app()] }), injectionPatch(pod({ containers: [app()] }), off)).spec!.initContainers![0]).CACHE_TTL_HEADER).toBe('off');
    const overridden = resolveInjectionConfig([{ image: 'ghcr.io/pilotfish/pilotfish:0.1.0', cache: { ttlHeader: false, env: { CACHE_TTL_HEADER: 'on' } } }]);
    const env = patched(pod({ containers: [app()] }), injectionPatch(pod({ containers: [app()] }), overridden)).spec!.initContainers![0].env!;
    expect(env.filter((e) => e.name === 'CACHE_TTL_HEADER').map((e) => e.value)).toEqual(['off', 'on']);
  });

  it('no secret value is ever inlined: every credential is a secretKeyRef', () => {
    const out = patched(pod({ containers: [app()] }));
    for (const c of [...out.spec!.initContainers!, ...out.spec!.containers!]) {
      for (const e of c.env ?? []) if (/KEY|TOKEN|REDIS_URL/.test(e.name)) expect(e.value, e.name).toBeUndefined();
    }
  });

  it.each([
    ['cache', ['cache-sidecar'], ['CACHE_SIDECAR_URL', 'CACHE_SIDECAR_TOKEN']],
    ['llm', ['llm-proxy'], ['LLM_PROXY_URL', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL']],
    [' llm , cache ', ['cache-sidecar', 'llm-proxy'], ['CACHE_SIDECAR_URL', 'CACHE_SIDECAR_TOKEN', 'LLM_PROXY_URL', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL']],
  ])('inject: %j gives %j', (value, sidecars, env) => {
    const out = patched(pod({ containers: [app()] }, { 'pilotfish.dev/inject': value }));
    expect(names(out.spec!.initContainers)).toEqual(sidecars);
    expect(Object.keys(envOf(out.spec!.containers![0]))).toEqual(env);
  });

  it('puts the sidecars before the pod\'s own init containers, in order', () => {
    const out = patched(pod({ initContainers: [{ name: 'migrate', image: 'm' }, { name: 'warm', image: 'w' }], containers: [app()] }));
    expect(names(out.spec!.initContainers)).toEqual(['cache-sidecar', 'llm-proxy', 'migrate', 'warm']);
  });

  it('never overrides a variable the app container sets, and keeps its own env in order', () => {
    const out = patched(pod({ containers: [app({ env: [{ name: 'A', value: '1' }, { name: 'CACHE_SIDECAR_URL', value: 'http://elsewhere:1' }, { name: 'OPENAI_BASE_URL', value: 'https://api.openai.com/v1' }] })] }));
    const env = out.spec!.containers![0].env!;
    expect(env.slice(0, 3)).toEqual([{ name: 'A', value: '1' }, { name: 'CACHE_SIDECAR_URL', value: 'http://elsewhere:1' }, { name: 'OPENAI_BASE_URL', value: 'https://api.openai.com/v1' }]);
    expect(env.map((e) => e.name)).toEqual(['A', 'CACHE_SIDECAR_URL', 'OPENAI_BASE_URL', 'CACHE_SIDECAR_TOKEN', 'LLM_PROXY_URL', 'ANTHROPIC_BASE_URL']);
  });

  it('gives every app container the URLs, including one with no env at all', () => {
    const out = patched(pod({ containers: [app(), app({ name: 'worker', env: [] }), app({ name: 'metrics', env: [{ name: 'X', value: 'y' }] })] }, { 'pilotfish.dev/inject': 'cache' }));
    for (const c of out.spec!.containers!) expect(envOf(c).CACHE_SIDECAR_URL).toBe('http://127.0.0.1:7700');
    expect(out.spec!.containers![2].env![0]).toEqual({ name: 'X', value: 'y' });
  });

  it('appends the /tmp volume to existing volumes without touching them, and reuses one already there', () => {
    const vols = [{ name: 'data', persistentVolumeClaim: { claimName: 'd' } }, { name: 'cfg', configMap: { name: 'c' } }];
    const out = patched(pod({ containers: [app()], volumes: vols }));
    expect(out.spec!.volumes).toEqual([...vols, { name: 'pilotfish-tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    const own = [{ name: 'pilotfish-tmp', emptyDir: {} }];
    const result = injectionPatch(pod({ containers: [app()], volumes: own }), config);
    expect('patch' in result && result.patch.some((op) => op.path.startsWith('/spec/volumes'))).toBe(false);
  });

  it('handles a generateName pod with no name and no annotations map other than its own', () => {
    const p: Pod = { metadata: { generateName: 'web-7d9f-', namespace: 'apps', labels: { app: 'web' }, annotations: { 'pilotfish.dev/inject': 'llm' } }, spec: { containers: [app()] } };
    const out = patched(p);
    expect(out.metadata!.name).toBeUndefined();
    expect(out.metadata!.generateName).toBe('web-7d9f-');
    expect(out.metadata!.annotations).toEqual({ 'pilotfish.dev/inject': 'llm', 'pilotfish.dev/injected': 'llm' });
  });

  it('is idempotent: re-invoked on its own output it does nothing', () => {
    const once = patched(pod({ initContainers: [{ name: 'migrate', image: 'm' }], containers: [app({ env: [{ name: 'A', value: '1' }] })], volumes: [{ name: 'v', emptyDir: {} }] }));
    expect(injectionPatch(once, config)).toEqual({ skip: { code: 'already_injected', message: 'already has cache, llm' } });
  });

  it('re-invoked after another webhook added a container, gives only that container the URLs', () => {
    const once = patched(pod({ containers: [app()] }));
    once.spec!.containers!.push({ name: 'mesh-proxy', image: 'mesh:1' });
    const result = injectionPatch(once, config);
    expect(result).toMatchObject({ injected: [] });
    const twice = patched(once, result);
    expect(twice.spec!.initContainers).toEqual(once.spec!.initContainers);
    expect(twice.spec!.containers![0]).toEqual(once.spec!.containers![0]);
    expect(envOf(twice.spec!.containers![1]).LLM_PROXY_URL).toBe('http://127.0.0.1:7701');
    expect(injectionPatch(twice, config)).toMatchObject({ skip: { code: 'already_injected' } });
  });

  it('counts sidecars written by hand (the chart\'s names) as present and adds only the missing one', () => {
    const p = pod({ initContainers: [{ name: 'cache-sidecar', image: 'x', restartPolicy: 'Always' }], containers: [app()] });
    const result = injectionPatch(p, config);
    expect(result).toMatchObject({ injected: ['llm'] });
    const out = patched(p, result);
    expect(names(out.spec!.initContainers)).toEqual(['llm-proxy', 'cache-sidecar']);
    expect(out.metadata!.annotations!['pilotfish.dev/injected']).toBe('cache,llm');
    // The app is told about the hand-written cache sidecar too: it asked for both.
    expect(envOf(out.spec!.containers![0]).CACHE_SIDECAR_URL).toBe('http://127.0.0.1:7700');
  });

  it('never gives a sidecar kept among the containers by hand the app\'s variables', () => {
    const out = patched(pod({ containers: [app(), { name: 'llm-proxy', image: 'x' }] }, { 'pilotfish.dev/inject': 'cache,llm' }));
    expect(out.spec!.containers![1].env).toBeUndefined();
    expect(out.spec!.initContainers!.map((c) => c.name)).toEqual(['cache-sidecar']);
  });

  it('adds a sidecar requested later to a pod injected earlier, keeping the marker complete', () => {
    const cacheOnly = patched(pod({ containers: [app()] }, { 'pilotfish.dev/inject': 'cache' }));
    cacheOnly.metadata!.annotations!['pilotfish.dev/inject'] = 'cache,llm';
    const out = patched(cacheOnly);
    expect(names(out.spec!.initContainers)).toEqual(['llm-proxy', 'cache-sidecar']);
    expect(out.spec!.volumes).toHaveLength(1);
    expect(out.metadata!.annotations!['pilotfish.dev/injected']).toBe('cache,llm');
  });

  it('escapes the annotation key as a JSON pointer', () => {
    const result = injectionPatch(pod({ containers: [app()] }), config) as { patch: JsonPatchOp[] };
    expect(result.patch.at(-1)).toEqual({ op: 'add', path: '/metadata/annotations/pilotfish.dev~1injected', value: 'cache,llm' });
  });

  it.each([
    [{ other: 'x' }, 'not_requested'],
    [{ 'pilotfish.dev/inject': '' }, 'not_requested'],
    [{ 'pilotfish.dev/inject': 'false' }, 'not_requested'],
  ])('skips a pod that does not ask (%j)', (annotations, code) => {
    expect(injectionPatch(pod({ containers: [app()] }, annotations as Record<string, string> | undefined), config)).toMatchObject({ skip: { code } });
  });

  it('skips a pod with no annotations at all', () => {
    expect(injectionPatch({ metadata: { generateName: 'x-' }, spec: { containers: [app()] } }, config)).toMatchObject({ skip: { code: 'not_requested' } });
  });

  it('skips pods bound for Windows nodes', () => {
    expect(injectionPatch(pod({ nodeSelector: { 'kubernetes.io/os': 'windows' }, containers: [app()] }), config)).toMatchObject({ skip: { code: 'windows_node' } });
    expect(injectionPatch(pod({ os: { name: 'windows' }, containers: [app()] }), config)).toMatchObject({ skip: { code: 'windows_node' } });
    expect(injectionPatch(pod({ nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [app()] }), config)).toHaveProperty('patch');
  });

  it('refuses host-network pods with a message that says why', () => {
    const result = injectionPatch(pod({ hostNetwork: true, containers: [app()] }), config);
    expect(result).toMatchObject({ refuse: { code: 'host_network' } });
    expect((result as { refuse: { message: string } }).refuse.message).toMatch(/hostNetwork/);
  });

  it('refuses a pod whose container already declares a sidecar port', () => {
    expect(injectionPatch(pod({ containers: [app({ ports: [{ containerPort: 9700 }] })] }), config))
      .toEqual({ refuse: { code: 'port_conflict', message: expect.stringMatching(/container "app" declares port 9700/) } });
  });

  it('refuses bad annotations, naming each', () => {
    const result = injectionPatch(pod({ containers: [app()] }, { 'pilotfish.dev/inject': 'cache,redis', 'pilotfish.dev/cache-cpu': 'lots', 'pilotfish.dev/cache-memroy': '1Gi', 'pilotfish.dev/cache-scopes': '{nope' }), config);
    expect(result).toMatchObject({ refuse: { code: 'invalid_annotation' } });
    const message = (result as { refuse: { message: string } }).refuse.message;
    expect(message).toContain('"redis" is not a sidecar');
    expect(message).toContain('pilotfish.dev/cache-cpu: "lots" is not a positive quantity');
    expect(message).toContain('pilotfish.dev/cache-memroy: is not a Pilotfish annotation');
    expect(message).toContain('pilotfish.dev/cache-scopes: is not JSON');
  });

  it('applies per-pod resource and scope overrides', () => {
    const out = patched(pod({ containers: [app()] }, {
      'pilotfish.dev/inject': 'cache,llm',
      'pilotfish.dev/cache-cpu': '200m', 'pilotfish.dev/cache-memory': '128Mi', 'pilotfish.dev/cache-memory-limit': '512Mi',
      'pilotfish.dev/llm-memory-limit': '1Gi',
      'pilotfish.dev/cache-scopes': '{"sessions":{"ttl":"5m","min":"1m","max":"1h"}}',
    }));
    const [cache, llm] = out.spec!.initContainers!;
    expect(cache.resources).toEqual({ requests: { cpu: '200m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(llm.resources).toEqual({ requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '1Gi' } });
    expect(JSON.parse(String(envOf(cache).CACHE_TTL_POLICY))).toEqual({ scopes: { sessions: { ttl: '5m', min: '1m', max: '1h' } } });
  });

  it('merges the scope annotation over the configured policy', () => {
    const withPolicy = resolveInjectionConfig([{ image: 'i', cache: { ttlPolicy: { default: { ttl: '10s' }, scopes: { a: { ttl: '1s' }, b: { ttl: '2s' } } } } }]);
    const out = patched(pod({ containers: [app()] }, { 'pilotfish.dev/inject': 'cache', 'pilotfish.dev/cache-scopes': '{"b":{"ttl":"3s"}}' }), injectionPatch(pod({ containers: [app()] }, { 'pilotfish.dev/inject': 'cache', 'pilotfish.dev/cache-scopes': '{"b":{"ttl":"3s"}}' }), withPolicy));
    expect(JSON.parse(String(envOf(out.spec!.initContainers![0]).CACHE_TTL_POLICY))).toEqual({ default: { ttl: '10s' }, scopes: { a: { ttl: '1s' }, b: { ttl: '3s' } } });
  });

  it('refuses an override that puts a request above its limit', () => {
    expect(injectionPatch(pod({ containers: [app()] }, { 'pilotfish.dev/inject': 'cache', 'pilotfish.dev/cache-memory': '1Gi' }), config))
      .toEqual({ refuse: { code: 'invalid_annotation', message: expect.stringContaining('requests.memory (1Gi) must not exceed limits.memory (256Mi)') } });
  });

  it('refuses a pod that asks for injection when the config is invalid, and skips the rest', () => {
    const broken = new InjectionConfigError('apps/pilotfish-injection', ['cache.backend: must be one of redis, upstash, memory']);
    expect(injectionPatch(pod({ containers: [app()] }), broken)).toEqual({ refuse: { code: 'invalid_config', message: expect.stringContaining('cache.backend: must be one of') } });
    expect(injectionPatch(pod({ containers: [app()] }, {}), broken)).toMatchObject({ skip: { code: 'not_requested' } });
  });

  it('uses upstash and mock settings from the config', () => {
    const cfg = resolveInjectionConfig([{ image: 'i', cache: { backend: 'upstash', upstashUrl: 'https://x.upstash.io', upstashSecret: { name: 'up', key: 'token' } }, llm: { provider: 'mock', fallback: [], mockEnabled: true, openaiSecret: null, anthropicSecret: null } }]);
    const out = patched(pod({ containers: [app()] }), injectionPatch(pod({ containers: [app()] }), cfg));
    const [cache, llm] = out.spec!.initContainers!;
    expect(envOf(cache)).toMatchObject({ CACHE_BACKEND: 'upstash', UPSTASH_REDIS_REST_URL: 'https://x.upstash.io', UPSTASH_REDIS_REST_TOKEN: { secretKeyRef: { name: 'up', key: 'token' } } });
    expect(envOf(cache).REDIS_URL).toBeUndefined();
    expect(envOf(llm)).toMatchObject({ LLM_PROVIDER: 'mock', LLM_MOCK_ENABLED: 'true', LLM_FALLBACK: '' });
    expect(envOf(llm).OPENAI_API_KEY).toBeUndefined();
  });

  it('does not change its input', () => {
    const p = pod({ containers: [app()] });
    const before = structuredClone(p);
    injectionPatch(p, config);
    expect(p).toEqual(before);
  });
});

describe('applyJsonPatch', () => {
  it('refuses what the API server refuses', () => {
    expect(() => applyJsonPatch({ a: [] }, [{ op: 'add', path: '/a/2', value: 1 }])).toThrow(/index out of range/);
    expect(() => applyJsonPatch({}, [{ op: 'add', path: '/a/b', value: 1 }])).toThrow(/parent does not exist/);
    expect(() => applyJsonPatch({}, [{ op: 'replace', path: '/a', value: 1 }])).toThrow(/no such member/);
    expect(applyJsonPatch({ 'a/b': { '~': 1 } }, [{ op: 'replace', path: '/a~1b/~0', value: 2 }])).toEqual({ 'a/b': { '~': 2 } });
  });
});
