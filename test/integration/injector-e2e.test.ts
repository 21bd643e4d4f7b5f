/**
 * End to end on the fake API server: a Deployment whose pod template carries
 * `pilotfish.dev/inject: cache,llm` is read back through client-node, its
 * pod (as the ReplicaSet controller would create it) goes through the
 * webhook over HTTPS, and the patched pod spec is then run as the kubelet
 * would: each injected sidecar's command (the bundled binary, built first) with its env (secretKeyRefs read
 * from the Secrets in the fake API server), the memory cache backend and the
 * mock LLM provider. The "app" then reaches both on the URLs injected into
 * its container: the cache through CACHE_SIDECAR_URL, the proxy through
 * LLM_PROXY_URL and the official OpenAI SDK through OPENAI_BASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AppsV1Api } from '@kubernetes/client-node';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJsonPatch, type Container, type EnvVar, type Pod } from '#pkg/inject/index.ts';
import { loadKubeConfig } from '#pkg/k8s/index.ts';
import { startKubeApi, type FakeKubeApi } from '../fixtures/kube-api.ts';
import { freePort } from '../fixtures/ports.ts';
import { eventually } from '../fixtures/poll.ts';
import { decodePatch, podReview, post, startInjector } from './injector-helpers.ts';
import { buildBinaries } from '../../scripts/build.ts';

let api: FakeKubeApi;
let injector: Awaited<ReturnType<typeof startInjector>>;
const children: ChildProcess[] = [];
let pod: Pod;
let appEnv: Record<string, string>;
const output: Record<string, string> = {};

/** The kubelet's part: plain values as they are, secretKeyRefs read from the Secret. */
function resolveEnv(env: EnvVar[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    if (e.value !== undefined) out[e.name] = e.value;
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = api.store.get('secrets', 'apps', ref.name);
      const encoded = (secret?.data as Record<string, string> | undefined)?.[ref.key];
      if (encoded === undefined) throw new Error(`CreateContainerConfigError: secret ${ref.name}/${ref.key} not found`);
      out[e.name] = Buffer.from(encoded, 'base64').toString('utf8');
    }
  }
  return out;
}

async function runSidecar(c: Container): Promise<void> {
  const [binary, ...args] = c.command as string[];
  expect(binary).toBe('node');
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...resolveEnv(c.env) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  output[c.name] = '';
  child.stdout!.on('data', (d) => (output[c.name] += d));
  child.stderr!.on('data', (d) => (output[c.name] += d));
  // The startup probe, as the kubelet runs it before starting the next container.
  const probe = (c as unknown as { startupProbe: { httpGet: { path: string; port: string } } }).startupProbe.httpGet;
  const port = c.ports!.find((p) => p.name === probe.port)!.containerPort;
  const passed = eventually(() => fetch(`http://127.0.0.1:${port}${probe.path}`).then((r) => r.ok, () => false), `${c.name}'s startup probe`, 15_000, 100);
  const exited = new Promise<never>((_, reject) => child.once('exit', () => reject(new Error(`${c.name} exited`))));
  await Promise.race([passed, exited]).catch((err: unknown) => {
    throw new Error(`${c.name} did not pass its startup probe: ${output[c.name]}`, { cause: err });
  });
}

beforeAll(async () => {
  // The injected commands run the image's bundles (dist/<binary>.js): build them as the image does.
  await buildBinaries(['cache-sidecar', 'llm-proxy']);
  api = await startKubeApi();
  // Free ports instead of 7700/7701/9700/9701, so the test never meets another suite's sidecar.
  const [cachePort, cacheAdmin, llmPort, llmAdmin] = [await freePort(), await freePort(), await freePort(), await freePort()];
  injector = await startInjector(api, {
    configYaml: [
      'nodeEnv: production',
      'cache:',
      '  backend: memory',
      '  tokenSecret: {name: web-cache-token, key: token}',
      `  port: ${cachePort}`, `  adminPort: ${cacheAdmin}`,
      'llm:',
      '  provider: mock', '  fallback: []', '  mockEnabled: true',
      // No provider keys in this namespace: drop the defaults' Secret references, or the kubelet would refuse the pod.
      '  openaiSecret: null', '  anthropicSecret: null',
      `  port: ${llmPort}`, `  adminPort: ${llmAdmin}`,
    ].join('\n'),
  });
  api.addSecret('apps', 'web-cache-token', { token: 'e2e-token-0123456789' });
  api.store.put('deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'apps' },
    spec: {
      replicas: 1, selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: { 'pilotfish.dev/inject': 'cache,llm', 'pilotfish.dev/cache-scopes': '{"answers":{"ttl":"1m","min":"1s","max":"5m"}}' } },
        spec: { initContainers: [{ name: 'migrate', image: 'registry.example/web:1', command: ['true'] }], containers: [{ name: 'web', image: 'registry.example/web:1', env: [{ name: 'PORT', value: '8080' }] }] },
      },
    },
  });

  const dep = await loadKubeConfig({ server: api.url }).makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: 'apps' });
  const template = JSON.parse(JSON.stringify(dep.spec!.template)) as { metadata: Pod['metadata']; spec: Pod['spec'] };
  const created: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, generateName: 'web-7c5d9-', labels: { ...template.metadata!.labels, 'pod-template-hash': '7c5d9' } }, spec: template.spec };
  const answer = await post(injector.app, podReview(created as Record<string, unknown>));
  expect(answer.body.response.allowed).toBe(true);
  pod = applyJsonPatch(created, decodePatch(answer));
  for (const c of pod.spec!.initContainers!) if (c.restartPolicy === 'Always') await runSidecar(c);
  appEnv = resolveEnv(pod.spec!.containers![0].env);
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  await injector?.app.close();
  await api?.close();
});

describe('a Deployment annotated for injection, end to end', () => {
  it('comes back from the webhook with both native sidecars ahead of its own init container', () => {
    expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['cache-sidecar', 'llm-proxy', 'migrate']);
    expect(Object.keys(appEnv)).toEqual(['PORT', 'CACHE_SIDECAR_URL', 'CACHE_SIDECAR_TOKEN', 'LLM_PROXY_URL', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL']);
  });

  it('the app reaches the cache sidecar on CACHE_SIDECAR_URL with the injected token, under the annotated scope policy', async () => {
    const url = `${appEnv.CACHE_SIDECAR_URL}/v1/cache/acme/answers/q1`;
    const auth = { authorization: `Bearer ${appEnv.CACHE_SIDECAR_TOKEN}` };
    expect((await fetch(url, { method: 'PUT', headers: auth, body: '{"answer":42}' })).status).toBe(204);
    const hit = await fetch(url, { headers: auth });
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(await hit.json()).toEqual({ answer: 42 });
    expect((await fetch(url)).status).toBe(401);
  });

  it('the app reaches the LLM proxy on LLM_PROXY_URL, and the OpenAI SDK through OPENAI_BASE_URL', async () => {
    const raw = await fetch(`${appEnv.LLM_PROXY_URL}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { choices: { message: { role: string } }[] }).choices[0].message.role).toBe('assistant');
    const client = new OpenAI({ baseURL: appEnv.OPENAI_BASE_URL, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0].message.content).toEqual(expect.any(String));
  });

  it('the sidecars ran as configured and never logged the token', () => {
    expect(output['cache-sidecar']).toContain('"backend":"memory"');
    expect(output['cache-sidecar'] + output['llm-proxy']).not.toContain('e2e-token-0123456789');
  });
});
