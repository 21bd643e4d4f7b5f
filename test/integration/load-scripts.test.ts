/**
 * The k6 scripts under load/ cannot run here (no k6), so this checks what can
 * be checked without it: each file parses as an ES module (`node --check` on
 * an .mjs copy), imports only k6 modules or relative files that exist, and
 * each script exports `options` with scenarios and thresholds and a default
 * function; every custom metric a threshold names is one the script defines.
 *
 * Then each script's own code runs (setup, iterations, teardown) against the
 * real binary, with a stand-in for the few k6 APIs it uses (synchronous HTTP
 * through curl, or a node child without it; `check`, metrics): its checks must all pass against a healthy
 * sidecar, and must fail, with `cache_unavailable` counted, once Redis dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../fixtures/ports.ts';
import { eventually } from '../fixtures/poll.ts';
import { startRedis, type RedisProcess } from '../fixtures/redis.ts';

const LOAD = join(import.meta.dirname, '..', '..', 'load');
const K6_MODULES = new Set(['k6', 'k6/http', 'k6/metrics', 'k6/execution', 'k6/data', 'k6/crypto', 'k6/encoding', 'k6/ws', 'k6/timers']);
const BUILTIN_METRICS = new Set(['http_req_failed', 'http_req_duration', 'checks', 'http_reqs', 'iteration_duration', 'data_received', 'data_sent']);

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsFiles(p) : name.endsWith('.js') ? [p] : [];
  });
}

const files = jsFiles(LOAD);
const scripts = files.filter((f) => dirname(f) === LOAD);
const scratch = mkdtempSync(join(tmpdir(), 'pilotfish-k6-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
}

function exportedNames(sf: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const st of sf.statements) {
    const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    const isDefault = ts.getModifiers(st as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (isDefault) names.push('default');
    else if (ts.isFunctionDeclaration(st) && st.name) names.push(st.name.text);
    else if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
  }
  return names;
}

describe('load/ k6 scripts', () => {
  it('finds the scripts and their shared config', () => {
    expect(files.map((f) => relative(LOAD, f)).sort()).toEqual(expect.arrayContaining(['app.js', 'cache-sidecar.js', 'llm-proxy.js', 'queue.js', 'lib/config.js', 'lib/summary.js']));
  });

  it.each(files.map((f) => [relative(LOAD, f), f]))('%s parses as an ES module', (_name, file) => {
    const copy = join(scratch, relative(LOAD, file).replaceAll('/', '__').replace(/\.js$/, '.mjs'));
    copyFileSync(file, copy);
    const r = spawnSync(process.execPath, ['--check', copy], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(files.map((f) => [relative(LOAD, f), f]))('%s imports only k6 modules and files that exist', (_name, file) => {
    const sf = parse(file);
    const specifiers = sf.statements.filter(ts.isImportDeclaration).map((d) => (d.moduleSpecifier as ts.StringLiteral).text);
    for (const s of specifiers) {
      if (s.startsWith('.')) expect(existsSync(resolve(dirname(file), s)), s).toBe(true);
      else expect(K6_MODULES.has(s), `${s} is not a k6 module`).toBe(true);
    }
  });

  it.each(scripts.map((f) => [relative(LOAD, f), f]))('%s exports options and a default function, and thresholds name defined metrics', (_name, file) => {
    const sf = parse(file);
    expect(exportedNames(sf)).toEqual(expect.arrayContaining(['options', 'default']));
    const text = sf.getFullText();
    expect(text).toMatch(/scenarios:\s*{/);
    const defined = new Set([...text.matchAll(/new (?:Counter|Rate|Trend|Gauge)\('([a-z_]+)'/g)].map((m) => m[1]));
    const thresholds = text.slice(text.indexOf('thresholds:'));
    const named = [...thresholds.matchAll(/^\s{4}'?([a-z_]+)(?:\{[^}]*\})?'?:\s*\[/gm)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(defined.has(n) || BUILTIN_METRICS.has(n), `threshold on undefined metric ${n}`).toBe(true);
  });
});

// ---- The scripts' code against the real binaries ------------------------------

/** Just the k6 APIs the scripts use; HTTP is synchronous like k6's, through curl (or a node child). */
const SHIM: Record<string, string> = {
  'k6.mjs': `
    // k6's sleep blocks the VU: so does this one.
    export function sleep(seconds) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000); }
    export function check(res, sets) {
      let all = true;
      for (const [name, fn] of Object.entries(sets)) {
        let ok = false;
        try { ok = Boolean(fn(res)); } catch { ok = false; }
        globalThis.__k6.checks.push({ name, ok });
        all = all && ok;
      }
      return all;
    }`,
  'k6-metrics.mjs': `
    class Metric { constructor(name) { this.name = name; } add(v) { (globalThis.__k6.metrics[this.name] ??= []).push(Number(v)); } }
    export class Counter extends Metric {}
    export class Rate extends Metric {}
    export class Trend extends Metric {}
    export class Gauge extends Metric {}`,
  'k6-http.mjs': `
    import { spawnSync } from 'node:child_process';
    import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    function canonical(name) { return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase()).join('-'); }
    const HAS_CURL = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
    // Without curl: one node child per request, fetch, the answer as JSON on stdout.
    const CHILD = "let i='';for await (const c of process.stdin) i+=c;const q=JSON.parse(i);const t0=performance.now();" +
      "const r=await fetch(q.url,{method:q.method,headers:q.headers,body:q.body??undefined});const w=performance.now()-t0;" +
      "process.stdout.write(JSON.stringify({status:r.status,headers:Object.fromEntries(r.headers),body:await r.text(),waiting:w}))";
    function viaNode(method, url, body, headers) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { input: JSON.stringify({ method, url, headers, body }), encoding: 'utf8' });
      return JSON.parse(r.stdout);
    }
    function viaCurl(method, url, body, reqHeaders) {
      const dir = mkdtempSync(join(tmpdir(), 'k6shim-'));
      const args = ['-s', '-X', method, '-D', join(dir, 'h'), '-o', join(dir, 'b'), '-w', '%{http_code} %{time_starttransfer}', '--max-time', '30'];
      for (const [k, v] of Object.entries(reqHeaders)) args.push('-H', k + ': ' + v);
      if (body !== null && body !== undefined) args.push('--data-binary', '@-');
      args.push(url);
      const r = spawnSync('curl', args, { input: body ?? '', encoding: 'utf8' });
      const [code, ttfb] = r.stdout.trim().split(' ');
      // Refused or timed out: k6 answers status 0 with no headers or body.
      if (!existsSync(join(dir, 'h'))) { rmSync(dir, { recursive: true, force: true }); return { status: 0, headers: {}, body: '', waiting: 0 }; }
      const headers = {};
      for (const line of readFileSync(join(dir, 'h'), 'utf8').split('\\r\\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      // curl writes no body file for an empty body.
      const text = existsSync(join(dir, 'b')) ? readFileSync(join(dir, 'b'), 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      return { status: Number(code), headers, body: text, waiting: Number(ttfb) * 1000 };
    }
    function request(method, url, body, params = {}) {
      const a = (HAS_CURL ? viaCurl : viaNode)(method, url, body, params.headers ?? {});
      const headers = {};
      for (const [k, v] of Object.entries(a.headers)) headers[canonical(k)] = v;
      const code = a.status;
      const text = a.body;
      const ttfb = a.waiting / 1000;
      globalThis.__k6.requests.push({ method, status: Number(code), tags: params.tags ?? {} });
      return {
        status: Number(code), body: text, headers, timings: { waiting: Number(ttfb) * 1000, duration: Number(ttfb) * 1000 },
        json(selector) {
          let v = JSON.parse(text);
          for (const part of selector ? selector.split('.') : []) v = v == null ? undefined : v[part];
          return v;
        },
      };
    }
    export default {
      get: (url, params) => request('GET', url, null, params),
      post: (url, body, params) => request('POST', url, body, params),
      put: (url, body, params) => request('PUT', url, body, params),
      del: (url, body, params) => request('DELETE', url, body, params),
      batch: (reqs) => reqs.map(([m, url, body, params]) => request(m, url, body, params)),
      setResponseCallback() {},
      expectedStatuses: (...codes) => ({ codes }),
    };`,
};

interface K6Record { checks: { name: string; ok: boolean }[]; metrics: Record<string, number[]>; requests: { method: string; status: number; tags: Record<string, string> }[] }
interface K6Script { options: unknown; setup?: () => unknown; teardown?: (data: unknown) => void; default: (data: unknown) => void; handleSummary?: (data: unknown) => Record<string, string>; [exec: string]: unknown }

const g = globalThis as unknown as { __k6: K6Record; __ENV: Record<string, string>; __VU: number; __ITER: number };

/** Loads a copy of load/<name> whose k6 imports point at the stand-in, with these __ENV values. */
async function loadScript(name: string, env: Record<string, string>): Promise<K6Script> {
  const dir = mkdtempSync(join(scratch, 'run-'));
  mkdirSync(join(dir, 'lib'));
  for (const [file, src] of Object.entries(SHIM)) writeFileSync(join(dir, file), src);
  for (const lib of readdirSync(join(LOAD, 'lib'))) copyFileSync(join(LOAD, 'lib', lib), join(dir, 'lib', lib.replace(/\.js$/, '.mjs')));
  const src = readFileSync(join(LOAD, name), 'utf8')
    .replace("from 'k6/http'", "from './k6-http.mjs'").replace("from 'k6/metrics'", "from './k6-metrics.mjs'")
    .replace("from 'k6'", "from './k6.mjs'").replace(/from '\.\/lib\/([a-z-]+)\.js'/g, "from './lib/$1.mjs'");
  writeFileSync(join(dir, name.replace(/\.js$/, '.mjs')), src);
  g.__ENV = env;
  g.__VU = 1;
  g.__ITER = 0;
  return (await import(pathToFileURL(join(dir, name.replace(/\.js$/, '.mjs'))).href)) as K6Script;
}

function resetRecord(): K6Record {
  g.__k6 = { checks: [], metrics: {}, requests: [] };
  return g.__k6;
}

function iterate(script: K6Script, data: unknown, n: number): void {
  for (let i = 0; i < n; i++) {
    g.__ITER = i;
    script.default(data);
  }
}

const failed = (r: K6Record) => [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.name))];

interface Binary { child: ChildProcess; exited: Promise<unknown>; out: () => string }

async function startBinary(main: string, env: Record<string, string>, adminPort: number, timeoutMs = 60_000): Promise<Binary> {
  const child = spawn(process.execPath, [join(LOAD, '..', 'cmd', main, 'main.ts')], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise((r) => child.on('exit', r));
  const ready = eventually(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.status === 200, `${main} /readyz`, timeoutMs, 100);
  try {
    await Promise.race([ready, exited.then(() => { throw new Error(`${main} exited`); })]);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${main} did not get ready: ${out}`, { cause: err });
  }
  return { child, exited, out: () => out };
}

async function stopBinary(b: Binary | undefined): Promise<void> {
  if (!b || b.child.exitCode !== null) return;
  b.child.kill('SIGTERM');
  await b.exited;
}

describe('load/cache-sidecar.js against cmd/cache-sidecar on a real Redis', () => {
  let redis: RedisProcess;
  let sidecar: Binary;
  let port: number;
  beforeAll(async () => {
    redis = await startRedis();
    port = await freePort();
    const adminPort = await freePort();
    sidecar = await startBinary('cache-sidecar', {
      REDIS_URL: redis.url, CACHE_SIDECAR_PORT: String(port), CACHE_SIDECAR_ADMIN_PORT: String(adminPort), CACHE_SIDECAR_ADMIN_HOST: '127.0.0.1',
    }, adminPort);
  });
  afterAll(async () => {
    await stopBinary(sidecar);
    await redis?.stop();
  });

  const env = () => ({ CACHE_URL: `http://127.0.0.1:${port}`, KEYS: '40', GET_SHARE: '0.5', PUT_SHARE: '0.25', MGET_KEYS: '5', VALUE_BYTES: '256', PROFILE: 'smoke' });

  it('passes every check on a healthy sidecar, over GETs (hits and misses), PUTs and _mget', async () => {
    const script = await loadScript('cache-sidecar.js', env());
    const rec = resetRecord();
    const data = script.setup!();
    iterate(script, data, 60);
    script.teardown!(data);
    expect(failed(rec)).toEqual([]);
    const ops = new Set(rec.requests.map((r) => r.tags.op));
    expect([...ops].sort()).toEqual(['get', 'mget', 'put', 'setup', 'teardown']);
    expect(rec.metrics.cache_hit.some((v) => v === 1)).toBe(true);
    expect(rec.metrics.cache_unavailable ?? []).toEqual([]);
    // teardown removed what setup wrote: a warm key now misses.
    const after = await fetch(`http://127.0.0.1:${port}/v1/cache/k6/load/warm-0`);
    expect(after.status).toBe(404);
  });

  it('fails its checks and counts cache_unavailable when Redis is down', async () => {
    const script = await loadScript('cache-sidecar.js', env());
    await redis.kill();
    const rec = resetRecord();
    iterate(script, { keys: 40 }, 20);
    expect((rec.metrics.cache_unavailable ?? []).length).toBeGreaterThan(0);
    expect(failed(rec)).toContain('get: 200 hit or 404 miss');
  });
});

describe('load/llm-proxy.js against cmd/llm-proxy on its mock provider', () => {
  let proxy: Binary;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    const adminPort = await freePort();
    proxy = await startBinary('llm-proxy', {
      LLM_PROVIDER: 'mock', LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_PORT: String(adminPort), LLM_PROXY_ADMIN_HOST: '127.0.0.1',
    }, adminPort);
  });
  afterAll(async () => {
    await stopBinary(proxy);
  });

  it('passes every check in both dialects, streaming and not, and records time to first token', async () => {
    const script = await loadScript('llm-proxy.js', { LLM_URL: `http://127.0.0.1:${port}`, PROFILE: 'smoke' });
    const rec = resetRecord();
    iterate(script, undefined, 48);
    expect(failed(rec)).toEqual([]);
    const kinds = new Set(rec.requests.map((r) => `${r.tags.dialect}:${r.tags.stream}`));
    expect([...kinds].sort()).toEqual(['anthropic:false', 'anthropic:true', 'openai:false', 'openai:true']);
    expect(rec.metrics.llm_ttft.length).toBeGreaterThan(0);
    expect(rec.metrics.llm_attempts.every((n) => n >= 1)).toBe(true);
  });

  it('fails its checks when the model cannot be served', async () => {
    const script = await loadScript('llm-proxy.js', { LLM_URL: `http://127.0.0.1:${port}`, LLM_MODEL: 'gpt-4o-mini', PROFILE: 'smoke' });
    const rec = resetRecord();
    iterate(script, undefined, 6);
    expect(failed(rec)).toContain('200');
  });
});

// The app runs only once cmd/app exists; until then app.js is checked by the
// parse, import and threshold tests above.
const APP_MAIN = join(LOAD, '..', 'cmd', 'app', 'main.ts');

describe.skipIf(!existsSync(APP_MAIN))('load/app.js against cmd/app with the cache sidecar (memory) and the LLM proxy (mock)', () => {
  const key = 'k6-load-key-0123456789';
  let sidecar: Binary;
  let proxy: Binary;
  let app: Binary;
  let appPort: number;
  beforeAll(async () => {
    const [cachePort, cacheAdmin, llmPort, llmAdmin] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    appPort = await freePort();
    [sidecar, proxy] = await Promise.all([
      startBinary('cache-sidecar', {
        CACHE_BACKEND: 'memory', CACHE_SIDECAR_PORT: String(cachePort), CACHE_SIDECAR_ADMIN_PORT: String(cacheAdmin), CACHE_SIDECAR_ADMIN_HOST: '127.0.0.1',
        // An hour instead of the built-in 15 s: "every hot search hits" must not depend on how fast a loaded machine runs the iterations.
        CACHE_TTL_POLICY: JSON.stringify({ default: { ttl: '30s', min: '1s', max: '1h' }, scopes: { 'knowledge.search': { ttl: '1h', min: '1s', max: '1h' } } }),
      }, cacheAdmin),
      startBinary('llm-proxy', {
        LLM_PROVIDER: 'mock', LLM_PROXY_PORT: String(llmPort), LLM_PROXY_ADMIN_PORT: String(llmAdmin), LLM_PROXY_ADMIN_HOST: '127.0.0.1',
      }, llmAdmin),
    ]);
    app = await startBinary('app', {
      APP_HOST: '127.0.0.1', APP_PORT: String(appPort),
      APP_API_KEYS: JSON.stringify({ [key]: { tenant: 'k6', roles: ['knowledge:read', 'chat:use'] } }),
      APP_RATE_LIMITS: JSON.stringify({ 'knowledge:read': 100000, 'chat:use': 100000 }),
      KNOWLEDGE_DIR: join(LOAD, '..', 'docs'),
      CACHE_SIDECAR_URL: `http://127.0.0.1:${cachePort}`, CACHE_SIDECAR_ADMIN_URL: `http://127.0.0.1:${cacheAdmin}`,
      LLM_PROXY_URL: `http://127.0.0.1:${llmPort}`, LLM_PROXY_ADMIN_URL: `http://127.0.0.1:${llmAdmin}`,
      CHAT_MODEL: 'mock-1', SEARCH_CACHE_TTL: '1h',
    }, appPort);
  }, 60_000);
  afterAll(async () => {
    await stopBinary(app);
    await Promise.all([stopBinary(proxy), stopBinary(sidecar)]);
  });

  const env = () => ({ APP_URL: `http://127.0.0.1:${appPort}`, APP_API_KEY: key, HOT_QUERIES: '5', HOT_SHARE: '0.7', CHAT_SHARE: '0.2', LIMIT: '3', PROFILE: 'smoke' });

  it('passes every check: hot queries hit, unique ones miss, and chat streams a tool round trip to done', async () => {
    const script = await loadScript('app.js', env());
    const rec = resetRecord();
    const data = script.setup!();
    iterate(script, data, 50);
    expect(failed(rec)).toEqual([]);
    const routes = rec.requests.map((r) => r.tags.route);
    expect(routes.filter((r) => r === 'setup')).toHaveLength(5);
    expect(routes).toContain('chat');
    const hits = rec.metrics.app_cache_hit ?? [];
    const hotSearches = rec.requests.filter((r) => r.tags.query === 'hot').length;
    // Every hot search hits (warmed in setup, an hour's TTL) and no unique one does.
    expect(hits.filter((v) => v === 1)).toHaveLength(hotSearches);
    expect(hits.length).toBeGreaterThan(hotSearches);
    expect(rec.metrics.app_chat_tool_rounds!.every((n) => n >= 1)).toBe(true);
    expect(rec.metrics.app_cache_unavailable ?? []).toEqual([]);
  });

  it('fails its checks and counts app_cache_unavailable once the cache sidecar is gone, while searches still answer 200', async () => {
    const script = await loadScript('app.js', { ...env(), CHAT_SHARE: '0' });
    await stopBinary(sidecar);
    const rec = resetRecord();
    iterate(script, { hot: 5 }, 10);
    expect((rec.metrics.app_cache_unavailable ?? []).length).toBe(10);
    expect(failed(rec)).toEqual(['search: X-Cache hit or miss']);
  });

  it('refuses to run without an API key', async () => {
    await expect(loadScript('app.js', { ...env(), APP_API_KEY: '' })).rejects.toThrow(/APP_API_KEY is required/);
  });
});

describe.skipIf(!existsSync(APP_MAIN))('load/queue.js against cmd/app and cmd/worker on a real Redis', () => {
  const key = 'k6-queue-key-0123456789';
  const queue = `k6-render-${process.pid}`;
  let redis: RedisProcess;
  let worker: Binary | undefined;
  let app: Binary;
  let appPort: number;
  let workerAdmin: number;
  beforeAll(async () => {
    redis = await startRedis();
    [appPort, workerAdmin] = await Promise.all([freePort(), freePort()]);
    worker = await startBinary('worker', { REDIS_URL: redis.url, RENDER_QUEUE: queue, WORKER_ADMIN_HOST: '127.0.0.1', WORKER_ADMIN_PORT: String(workerAdmin), QUEUE_COLLECT_INTERVAL_MS: '200' }, workerAdmin, 60_000);
    app = await startBinary('app', {
      APP_HOST: '127.0.0.1', APP_PORT: String(appPort), REDIS_URL: redis.url, RENDER_QUEUE: queue, KNOWLEDGE_DIR: join(LOAD, '..', 'docs'), KNOWLEDGE_WATCH: 'false',
      APP_API_KEYS: JSON.stringify({ [key]: { tenant: 'k6', roles: ['render:submit'] } }), APP_RATE_LIMITS: JSON.stringify({ 'render:submit': 100000 }),
    }, appPort, 90_000); // the app indexes docs/ before it is ready: slow on a loaded shared machine
  }, 180_000);
  afterAll(async () => {
    await stopBinary(app);
    await stopBinary(worker);
    await redis?.stop();
  });

  const env = () => ({ APP_URL: `http://127.0.0.1:${appPort}`, APP_API_KEY: key, WORKER_URL: `http://127.0.0.1:${workerAdmin}`, RENDER_QUEUE: queue, POLL_SECONDS: '0.2', DRAIN_TIMEOUT_SECONDS: '20', SUMMARY_FILE: '-' });
  type Exec = (data?: unknown) => void;

  it('enqueues render jobs through the app, watches the worker health API, and sees the queue drain', async () => {
    const script = await loadScript('queue.js', env());
    const rec = resetRecord();
    const data = script.setup!();
    for (let i = 0; i < 30; i++) (script.enqueue as Exec)();
    (script.observe as Exec)();
    script.teardown!(data);
    expect(failed(rec)).toEqual([]);
    expect(rec.metrics.render_enqueued).toHaveLength(30);
    expect(rec.requests.filter((r) => r.tags.route === 'render' && r.status === 201)).toHaveLength(30);
    expect(rec.metrics.render_ready_backlog!.length).toBeGreaterThan(0);
    expect(rec.metrics.render_drained).toEqual([1]);
    expect(rec.metrics.render_rejected ?? []).toEqual([]);
  });

  it('records no drain when no worker works the queue, and its health checks fail once the worker is gone', async () => {
    const script = await loadScript('queue.js', { ...env(), DRAIN_TIMEOUT_SECONDS: '0.5' });
    await stopBinary(worker);
    worker = undefined;
    const rec = resetRecord();
    for (let i = 0; i < 5; i++) (script.enqueue as Exec)();
    script.teardown!(undefined);
    expect(rec.metrics.render_enqueued).toHaveLength(5);
    expect(rec.metrics.render_drained).toEqual([0]);
    expect(failed(rec)).toEqual(['health: 200']);
  });

  it('refuses to run without an API key or with a rate that is not above 0', async () => {
    await expect(loadScript('queue.js', { ...env(), APP_API_KEY: '' })).rejects.toThrow(/APP_API_KEY is required/);
    await expect(loadScript('queue.js', { ...env(), RATE: '0' })).rejects.toThrow(/RATE must be above 0, got 0/);
  });

  it('writes the whole summary as JSON and prints each threshold with its verdict', async () => {
    const script = await loadScript('queue.js', { ...env(), SUMMARY_FILE: 'out/queue.json' });
    const summary = { metrics: {
      render_drained: { type: 'rate', values: { rate: 0 }, thresholds: { 'rate==1': { ok: false } } },
      render_enqueue_duration: { type: 'trend', values: { 'p(95)': 12.5 }, thresholds: { 'p(95)<200': { ok: true } } },
    } };
    const out = script.handleSummary!(summary);
    expect(JSON.parse(out['out/queue.json'])).toEqual(summary);
    expect(out.stdout).toContain('queue: 1 of 2 thresholds hold, 1 FAIL; full summary in out/queue.json');
    expect(out.stdout).toContain('FAIL render_drained rate==1 (rate 0.000)');
    expect(out.stdout).toContain('PASS render_enqueue_duration p(95)<200 (p(95) 12.500)');
    // In a Job the log is all that is left: SUMMARY_FILE=stdout puts the JSON on its last line.
    const inJob = (await loadScript('queue.js', { ...env(), SUMMARY_FILE: 'stdout' })).handleSummary!(summary);
    expect(Object.keys(inJob)).toEqual(['stdout']);
    expect(JSON.parse(/^SUMMARY_JSON (.*)$/m.exec(inJob.stdout)![1])).toEqual(summary);
  });
});

describe('manifests/load: k6 in a cluster', () => {
  const MANIFESTS = join(LOAD, '..', 'manifests', 'load');
  interface Item { key: string; path: string }
  interface PodSpec { containers: { name: string; args?: string[]; command?: string[]; volumeMounts?: { name: string; mountPath: string }[] }[]; volumes: { name: string; configMap?: { name: string; items: Item[] } }[] }

  it('holds the current scripts of load/ in its ConfigMap', async () => {
    const { renderScriptsConfigMap } = await import('../../manifests/load/render.ts');
    expect(readFileSync(join(MANIFESTS, 'scripts.yaml'), 'utf8')).toBe(renderScriptsConfigMap());
  });

  it.each(['job-app.yaml', 'job-queue.yaml', 'app-k6-sidecar-patch.yaml'])('%s mounts each script it runs with every file that script imports', async (file) => {
    const { parse: parseYaml } = await import('yaml');
    const configMap = parseYaml(readFileSync(join(MANIFESTS, 'scripts.yaml'), 'utf8')) as { data: Record<string, string> };
    const doc = parseYaml(readFileSync(join(MANIFESTS, file), 'utf8')) as { spec: { template: { spec: PodSpec } } };
    const pod = doc.spec.template.spec;
    const k6 = pod.containers.find((c) => c.name === 'k6')!;
    const mount = k6.volumeMounts!.find((m) => m.mountPath === '/scripts')!;
    const items = pod.volumes.find((v) => v.name === mount.name)!.configMap!.items;
    for (const item of items) expect(Object.keys(configMap.data), item.key).toContain(item.key);
    const mounted = new Set(items.map((i) => i.path));
    const runs = [...[...(k6.args ?? []), ...(k6.command ?? [])].join(' ').matchAll(/\/scripts\/([a-z-]+\.js)/g)].map((m) => m[1]);
    expect(runs.length).toBeGreaterThan(0);
    for (const script of runs) {
      expect(mounted, script).toContain(script);
      const imports = [...readFileSync(join(LOAD, script), 'utf8').matchAll(/from '\.\/(lib\/[a-z-]+\.js)'/g)].map((m) => m[1]);
      for (const lib of imports) expect(mounted, `${script} imports ${lib}`).toContain(lib);
    }
  });
});
