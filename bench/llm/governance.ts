/**
 * bench:llm's rows for issue 14 sections 2 and 3: a response-cache hit against a miss, and a request through a
 * client key with limits (rpm, tpm, monthly budget: a ledger check before and a count after) against one through
 * a key without. One proxy per backend (started as `npm run start:llm-proxy` starts it) (in-process memory, and Redis when one answers at BENCH_REDIS_URL,
 * default redis://127.0.0.1:6379), started as `npm run start:llm-proxy` starts it; all series of a backend hit the
 * same process, alternating per round, and CPU per request is read from /proc for that process.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../test/fixtures/ports.ts';
import { KeyGate, MemoryLedger, RedisLedger, parseKeyMap, type Ledger } from '../../pkg/llm/keys/index.ts';
import { start, type Proc } from './procs.ts';
import { median } from './ttft.ts';
import type { benchJson } from '../report-json.ts';
import { proxyCommand } from './proxy-command.ts';

type Json = ReturnType<typeof benchJson>;

export interface GovernanceBenchOptions {
  /** The mock upstream's origin. */
  upstream: string;
  seconds: number;
  rounds: number;
  json: Json;
  cpuSeconds(pid: number | undefined): number;
  procs: Proc[];
}

interface Load { rps: number; requests: number; errors: number; p50: number }

/** wrk at 16 connections; with `unique`, every request's prompt carries a counter (so each is a cache miss). */
function load(url: string, body: string, headers: Record<string, string>, seconds: number, unique: boolean): Promise<Load> {
  const script = join(tmpdir(), `pilotfish-bench-gov-${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  const lines = ['wrk.method = "POST"', `wrk.body = ${JSON.stringify(body)}`, 'wrk.headers["content-type"] = "application/json"'];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  if (unique) {
    const [head, tail] = body.split('@N@');
    lines.push(`local n = ${Date.now()}`, `request = function() n = n + 1; return wrk.format(nil, nil, nil, ${JSON.stringify(head)} .. n .. ${JSON.stringify(tail)}) end`);
  }
  lines.push(
    'local bad = 0',
    'response = function(status, headers, body) if status ~= 200 then bad = bad + 1 end end',
    'done = function(summary, latency, requests) io.write(string.format("NON200 %d\\nTOTAL %d\\n", bad, summary.requests)) end',
  );
  writeFileSync(script, lines.join('\n'));
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t1', '-c16', `-d${seconds}s`, '--latency', '-s', script, url], { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err);
      const m = /^\s+50%\s+([\d.]+)(us|ms|s)/m.exec(stdout);
      const p50 = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
        requests: Number(/TOTAL (\d+)/.exec(stdout)?.[1] ?? NaN),
        errors: Number(/NON200 (\d+)/.exec(stdout)?.[1] ?? 0),
        p50,
      });
    });
  });
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500, retryStrategy: () => null });
  try { await r.connect(); return (await r.ping()) === 'PONG'; } catch { return false; } finally { r.disconnect(); }
}

/**
 * The key path alone, in this process: identify (SHA-256), model check, admit and record, per request, for a key
 * with limits and one without, CPU µs per request (process.cpuUsage, so a wait on Redis is not counted, its client's
 * work is). Steadier than the wrk rows on a loaded machine, which carry every other process's noise.
 */
async function keyPathCpu(ledger: Ledger, n: number): Promise<{ plain: number; limited: number }> {
  const plain = `pf-micro-plain-${randomBytes(8).toString('hex')}`;
  const limited = `pf-micro-limited-${randomBytes(8).toString('hex')}`;
  const gate = new KeyGate({ keys: parseKeyMap(JSON.stringify({ [plain]: { tenant: 'bench' }, [limited]: { tenant: 'bench', rpm: 1e12, tpm: 1e15, monthlyBudgetUsd: 1e12 } })), ledger });
  const usage = { inputTokens: 11, outputTokens: 7 };
  // 16 requests in flight, as in the wrk rows: the Redis client pipelines what is in flight together.
  const run = async (key: string) => {
    const t0 = process.cpuUsage();
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = 0; i < n / 16; i++) {
        const c = gate.identify(key)!;
        gate.mayUse(c, ['gpt-4o-mini']);
        await gate.admit(c);
        gate.record(c, usage, 0.0000057);
      }
    }));
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / n;
  };
  const plains: number[] = [];
  const limiteds: number[] = [];
  for (let r = 0; r < 5; r++) { plains.push(await run(plain)); limiteds.push(await run(limited)); }
  return { plain: median(plains), limited: median(limiteds) };
}

/** Script calls (EVALSHA, EVAL) Redis has served: with leases a limited key costs a call per lease, not per request. */
async function scriptCalls(r: Redis): Promise<number> {
  const info = await r.info('commandstats');
  return [...info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

export async function governanceBench(o: GovernanceBenchOptions): Promise<void> {
  const plain = `pf-bench-plain-${randomBytes(8).toString('hex')}`;
  const limited = `pf-bench-limited-${randomBytes(8).toString('hex')}`;
  // Limits high enough never to refuse: what is measured is the check and the count, not refusals.
  const keys = JSON.stringify({ [plain]: { tenant: 'bench' }, [limited]: { tenant: 'bench', rpm: 1e9, tpm: 1e12, monthlyBudgetUsd: 1e9 } });
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const backends: { name: string; env: Record<string, string> }[] = [{ name: 'memory', env: {} }];
  if (await redisAnswers(redisUrl)) backends.push({ name: 'redis', env: { REDIS_URL: redisUrl } });
  else console.log(`# governance rows: no Redis at ${redisUrl} (BENCH_REDIS_URL): memory only`);

  const chat = (text: string) => JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: text }] });
  const series: { name: string; body: string; headers: Record<string, string>; unique: boolean }[] = [
    { name: 'key without limits', body: chat('hello there, how are you today?'), headers: { authorization: `Bearer ${plain}` }, unique: false },
    { name: 'key with limits', body: chat('hello there, how are you today?'), headers: { authorization: `Bearer ${limited}` }, unique: false },
    { name: 'cache hit', body: chat('hello there, cached'), headers: { authorization: `Bearer ${plain}`, 'x-pilotfish-cache': '600' }, unique: false },
    { name: 'cache miss', body: chat('hello there, miss @N@'), headers: { authorization: `Bearer ${plain}`, 'x-pilotfish-cache': '600' }, unique: true },
  ];
  o.json.table('llm governance: keys and response cache, 16 connections', 'series', { at: 'backend' });
  console.log('\n## key path in process (identify, model check, admit, record), 16 in flight, CPU µs per request, median of 5 alternating runs');
  const ledgers: { name: string; ledger: Ledger; n: number; close?: () => void }[] = [{ name: 'memory', ledger: new MemoryLedger(), n: 20_000 }];
  if (backends.some((b) => b.name === 'redis')) {
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 0, enableAutoPipelining: true });
    ledgers.push({ name: 'redis', ledger: new RedisLedger(client), n: 20_000, close: () => client.disconnect() });
  }
  for (const l of ledgers) {
    const r = await keyPathCpu(l.ledger, l.n);
    console.log(`- ${l.name}: without limits ${fmt(r.plain, 1)} µs, with limits ${fmt(r.limited, 1)} µs: +${fmt(r.limited - r.plain, 1)} µs (target <= 50) ${r.limited - r.plain <= 50 ? 'PASS' : 'MISS'}`);
    o.json.check(`${l.name} ledger, in process: a key with limits adds <= 50 µs CPU per request`, r.limited - r.plain <= 50, `${fmt(r.limited - r.plain, 1)} µs`);
    l.close?.();
  }
  console.log(`\n## keys and response cache (issue 14): 16 connections, wrk ${o.seconds}s per run, ${o.rounds} rounds`);
  for (const b of backends) {
    const port = await freePort();
    const { cmd, args } = await proxyCommand();
    const proxy = await start(cmd, args, {
      NODE_ENV: 'production', LOG_LEVEL: 'info', LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-bench-not-a-real-key', OPENAI_BASE_URL: `${o.upstream}/v1`,
      LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_PORT: String(await freePort()), LLM_PROXY_ADMIN_HOST: '127.0.0.1', LLM_PROXY_KEYS: keys, ...b.env,
    }, /llm-proxy listening/, 120_000);
    o.procs.push(proxy);
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    for (const s of series) {
      const res = await fetch(url, { method: 'POST', body: s.body.replace('@N@', 'check'), headers: { 'content-type': 'application/json', ...s.headers } });
      if (res.status !== 200) throw new Error(`${b.name} ${s.name}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      await res.text();
      await load(url, s.body, s.headers, 1, s.unique); // warm-up
    }
    // Counted around the limited key's series only; an upper bound, since the Redis may serve others too.
    const stats = b.name === 'redis' ? new Redis(redisUrl, { maxRetriesPerRequest: 0 }) : undefined;
    let calls = 0;
    let limitedRequests = 0;
    const cpu: Record<string, number[]> = {};
    const rps: Record<string, number[]> = {};
    let errors = 0;
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2 ? series : [...series].reverse();
      for (const s of order) {
        const c0 = o.cpuSeconds(proxy.child.pid);
        const calls0 = stats && s.name === 'key with limits' ? await scriptCalls(stats) : undefined;
        const r = await load(url, s.body, s.headers, o.seconds, s.unique);
        if (stats && calls0 !== undefined) { calls += (await scriptCalls(stats)) - calls0; limitedRequests += r.requests; }
        (cpu[s.name] ??= []).push(((o.cpuSeconds(proxy.child.pid) - c0) * 1e6) / r.requests);
        (rps[s.name] ??= []).push(r.rps);
        errors += r.errors;
      }
    }
    console.log(`| ${b.name} | req/s | CPU µs/request |`);
    console.log('|---|---|---|');
    for (const s of series) {
      console.log(`| ${s.name} | ${fmt(median(rps[s.name]))} | ${fmt(median(cpu[s.name]))} |`);
      o.json.row({ table: 'llm governance: keys and response cache, 16 connections', series: s.name, at: b.name, rps: median(rps[s.name]), cpuUsPerReq: median(cpu[s.name]) });
    }
    const added = median(cpu['key with limits'].map((c, i) => c - cpu['key without limits'][i]));
    const hitRatio = median(cpu['cache hit'].map((c, i) => c / cpu['cache miss'][i]));
    const perRound = cpu['key with limits'].map((c, i) => fmt(c - cpu['key without limits'][i])).join(', ');
    console.log(`- ${b.name}: a key with limits adds ${fmt(added, 1)} µs CPU per request (median of per-round differences ${perRound}; target <= 50) ${added <= 50 ? 'PASS' : 'MISS'}`);
    if (stats) {
      console.log(`- ${b.name}: Redis script calls per request through the key with limits: ${fmt(calls / limitedRequests, 4)} (${calls} for ${limitedRequests}; at most, the Redis may serve others)`);
      stats.disconnect();
    }
    console.log(`- ${b.name}: a cache hit costs ${fmt(hitRatio, 2)}x a miss's CPU (${fmt(median(rps['cache hit']) / median(rps['cache miss']), 2)}x its req/s); errors ${errors}`);
    o.json.check(`${b.name}: a key with limits adds <= 50 µs CPU per request`, added <= 50, `${fmt(added, 1)} µs`);
    o.json.check(`${b.name}: no errors in the governance rows`, errors === 0, String(errors));
    await proxy.stop();
  }
}

/** `npx node bench/llm/governance.ts`: these rows alone, against their own mock upstream (BENCH_SECONDS, default 5; BENCH_ROUNDS, default 3). */
if (import.meta.main) {
  const { readFileSync } = await import('node:fs');
  const { benchJson } = await import('../report-json.ts');
  const procs: Proc[] = [];
  try {
    const mock = await start(process.execPath, ['bench/llm/mock-upstream.ts'], {}, /"openai":\d+/);
    procs.push(mock);
    const ports = JSON.parse(/\{.*\}/.exec(mock.output())![0]) as { openai: number };
    const cpuSeconds = (pid: number | undefined) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(f[11]) + Number(f[12])) / 100;
      } catch { return NaN; }
    };
    const json = benchJson('llm-governance', {});
    await governanceBench({ upstream: `http://127.0.0.1:${ports.openai}`, seconds: Number(process.env.BENCH_SECONDS ?? 5), rounds: Number(process.env.BENCH_ROUNDS ?? 3), json, cpuSeconds, procs });
    json.write();
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
