/**
 * The built binaries (scripts/build.ts → dist/<binary>.js) as the image, the
 * chart and `npm run start:*` run them: built once for this file, started
 * with the start scripts' command lines, each answering /healthz and one data
 * call. Also: every place that starts a binary (package.json, the chart's
 * templates, the injector's sidecars, the Dockerfile) runs the same command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIDECAR_COMMAND } from '#pkg/inject/index.ts';
import { BINARIES, buildBinaries, builtinModuleSource } from '../../scripts/build.ts';
import { freePort } from '../fixtures/ports.ts';
import { eventually } from '../fixtures/queue-helpers.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { dryRunSpecFile } from './controller-helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const scripts = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const children: ChildProcess[] = [];
let scratch: string;

/** `start:<binary>`'s command line, as words. */
function startWords(binary: string): string[] {
  return scripts[`start:${binary}`].trim().split(/\s+/);
}

/** Starts a built binary exactly as its start script does (with this Node 24 for `node`). */
function startBuilt(binary: string, env: Record<string, string>, extraArgs: string[] = []): { child: ChildProcess; output: () => string } {
  const [program, ...args] = startWords(binary);
  expect(program).toBe('node');
  let out = '';
  const child = spawn(process.execPath, [...args, ...extraArgs], { cwd: ROOT, env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  children.push(child);
  return { child, output: () => out };
}

async function healthy(adminPort: number, started: { child: ChildProcess; output: () => string }): Promise<void> {
  await eventually(async () => {
    if (started.child.exitCode !== null) throw new Error(`exited ${started.child.exitCode}: ${started.output()}`);
    const res = await fetch(`http://127.0.0.1:${adminPort}/healthz`).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  }, 'the built binary to answer /healthz', 45_000);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'pilotfish-build-artifacts-'));
  await buildBinaries(['cache-sidecar', 'llm-proxy', 'controller']);
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the bundled binaries', () => {
  it('cache sidecar: stores and serves a value through Redis', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const sidecar = startBuilt('cache-sidecar', {
      // A generous op deadline: the first calls of a cold process on a loaded 2-core machine can take 100 ms.
      CACHE_BACKEND: 'redis', REDIS_URL: sharedRedisUrl(), CACHE_KEY_PREFIX: `build-artifacts-${process.pid}`, CACHE_OP_TIMEOUT_MS: '5000',
      CACHE_SIDECAR_HOST: '127.0.0.1', CACHE_SIDECAR_PORT: String(port), CACHE_SIDECAR_ADMIN_HOST: '127.0.0.1', CACHE_SIDECAR_ADMIN_PORT: String(adminPort),
    });
    await healthy(adminPort, sidecar);
    const url = `http://127.0.0.1:${port}/v1/cache/built/s/k?ttl=1m`;
    const put = await fetch(url, { method: 'PUT', body: '{"built":true}' });
    expect(`${put.status} ${await put.text()}`).toBe('204 ');
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('x-cache')).toBe('hit');
    expect(await got.json()).toEqual({ built: true });
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/cache_requests_total\{[^}]*op="get"[^}]*result="hit"/);
    // Node's process metrics, from prom-client's collectors called one by one (pkg/metrics/default-metrics.ts), bundled.
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(metrics).not.toContain('nodejs_gc_duration_seconds');
  }, 60_000);

  it('LLM proxy: lists the mock provider\'s model on its data port', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const proxy = startBuilt('llm-proxy', {
      LLM_PROXY_HOST: '127.0.0.1', LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_HOST: '127.0.0.1', LLM_PROXY_ADMIN_PORT: String(adminPort),
    });
    await healthy(adminPort, proxy);
    const res = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(res.status).toBe(200);
    const body = await res.json() as { data: { id: string }[] };
    expect(body.data.map((m) => m.id).join(' ')).toContain('mock');
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^process_resident_memory_bytes\{component="llm-proxy"\} \d+/m);
    expect(metrics).not.toContain('nodejs_gc_duration_seconds');
  }, 60_000);

  it('LLM proxy: LLM_PROXY_GC_METRICS=on exports nodejs_gc_duration_seconds', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const proxy = startBuilt('llm-proxy', {
      LLM_PROXY_GC_METRICS: 'on',
      LLM_PROXY_HOST: '127.0.0.1', LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_HOST: '127.0.0.1', LLM_PROXY_ADMIN_PORT: String(adminPort),
    });
    await healthy(adminPort, proxy);
    expect(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text()).toContain('# TYPE nodejs_gc_duration_seconds histogram');
  }, 60_000);

  it('controller: reads QueueAutoscalers from a file and exports its metrics', async () => {
    const file = join(scratch, 'specs.yaml');
    await writeFile(file, dryRunSpecFile(`build-artifacts-${process.pid}`, sharedRedisUrl()));
    const adminPort = await freePort();
    const controller = startBuilt('controller', { CONTROLLER_ADMIN_HOST: '127.0.0.1', CONTROLLER_ADMIN_PORT: String(adminPort) }, ['--dry-run', '--file', file]);
    await healthy(adminPort, controller);
    const metrics = await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      return /queue_autoscaler_desired_replicas\{[^}]*\}/.test(text) ? text : undefined;
    }, 'a desired-replicas series for the file\'s QueueAutoscaler', 30_000);
    expect(metrics).toMatch(/queue_autoscaler_desired_replicas\{[^}]*name="render"/);
  }, 60_000);

  it('import Node built-ins through require only (an ESM import of node:http loads Node\'s internal undici)', async () => {
    for (const binary of ['cache-sidecar', 'llm-proxy', 'controller']) {
      const code = await readFile(join(ROOT, 'dist', `${binary}.js`), 'utf8');
      const esmBuiltins = [...code.matchAll(/\bimport\s*(?:[\w*{}\s,$]+from\s*)?["'](node:[\w/]+|http|https|crypto|net|tls)["']/g)].map((m) => m[1]);
      // The banner's two (node:module, node:url) are the only ones.
      expect(esmBuiltins.sort(), binary).toEqual(['node:module', 'node:url']);
    }
  });
});

describe('lazy built-ins', () => {
  const load = (specifier: string) => {
    const module = { exports: undefined as unknown };
    new Function('module', 'require', builtinModuleSource(specifier))(module, (id: string) => process.getBuiltinModule(id));
    return module.exports as Record<string, unknown> & ((...args: unknown[]) => unknown);
  };

  it('a callable built-in (assert) still calls, throws and exposes its members', () => {
    const assert = load('node:assert');
    expect(() => assert(true)).not.toThrow();
    expect(() => assert(false, 'nope')).toThrow('nope');
    expect(typeof assert.strictEqual).toBe('function');
    expect(Object.keys(assert)).toContain('deepStrictEqual');
  });

  it('an object built-in (tls) exposes the real members', () => {
    const tls = load('tls');
    expect(tls.connect).toBe(process.getBuiltinModule('node:tls').connect);
    expect('createSecureContext' in tls).toBe(true);
  });

  it('a built-in not on the lazy list is the module itself', () => {
    expect(load('node:http')).toBe(process.getBuiltinModule('node:http'));
  });
});

describe('one command line per binary', () => {
  it('every binary has a start script running its bundle, a prestart that builds it and a dev script running its source', () => {
    for (const binary of BINARIES) {
      expect(startWords(binary).at(-1)).toBe(`dist/${binary}.js`);
      expect(scripts[`prestart:${binary}`]).toBe(`node scripts/build.ts ${binary}`);
      expect(scripts[`dev:${binary}`]).toBe(`node cmd/${binary}/main.ts`);
    }
  });

  it('the chart\'s templates and the injector start each binary as its start script does', async () => {
    const templates = join(ROOT, 'charts', 'pilotfish', 'templates');
    const commands = new Map<string, string[]>();
    for (const entry of await readdir(templates, { recursive: true })) {
      if (!/\.(ya?ml|tpl)$/.test(entry)) continue;
      const text = await readFile(join(templates, entry), 'utf8');
      for (const m of text.matchAll(/command:\s*\[([^\]]*dist\/([\w-]+)\.js[^\]]*)\]/g)) commands.set(m[2], m[1].split(',').map((w) => w.trim()));
    }
    for (const binary of ['cache-sidecar', 'llm-proxy', 'worker', 'controller', 'injector']) {
      expect(commands.get(binary), `chart command for ${binary}`).toEqual(startWords(binary));
    }
    const values = await readFile(join(ROOT, 'charts', 'pilotfish', 'values.yaml'), 'utf8');
    expect(/^ {2}command: \[([^\]]*)\]/m.exec(values)?.[1].split(',').map((w) => w.trim())).toEqual(startWords('app'));
    expect([...SIDECAR_COMMAND.cache]).toEqual(startWords('cache-sidecar'));
    expect([...SIDECAR_COMMAND.llm]).toEqual(startWords('llm-proxy'));
  });

  it('the image builds the bundles and its default command is the app\'s start script', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('RUN node scripts/build.ts');
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1])).toEqual(startWords('app'));
  });
});
