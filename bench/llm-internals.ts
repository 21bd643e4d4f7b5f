/**
 * npx node bench/llm-internals.ts — what each SDK shortcut of the LLM proxy
 * buys (docs/development.md, "Reliance on library internals"): the proxy
 * (cmd/llm-proxy, as `npm run start:llm-proxy` starts it, production
 * settings) runs four times side by side with LLM_SDK_SHORTCUTS set to
 * `template,response` (as shipped), `response`, `template` and `none`, all on
 * one mock upstream; wrk at 16 connections takes turns on them, the order
 * rotating each round. Printed: medians of req/s and of the proxy's CPU per
 * request, and each variant's CPU per request against the shipped one within
 * the same round (median of the per-round ratios).
 *
 * Two paths go through the SDKs (a caller in the provider's own dialect is
 * passed through without them): the Anthropic dialect served by OpenAI (the
 * openai SDK) and the OpenAI dialect served by Anthropic (the Anthropic SDK).
 *
 * Env: BENCH_SECONDS (per wrk run, default 3), BENCH_ROUNDS (default 3).
 */
import { freePort } from '#test/fixtures/ports.ts';
import { cpuMicrosOf } from './lib/procs.ts';
import { fmt, median } from './lib/stats.ts';
import { start, type Proc } from './llm/procs.ts';
import { wrk } from './llm/wrk.ts';
import { proxyCommand } from './llm/proxy-command.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VARIANTS = ['template,response', 'response', 'template', 'none'] as const;
type Variant = (typeof VARIANTS)[number];

const paths: { name: string; path: string; headers: Record<string, string>; body: string }[] = [
  { name: 'anthropic dialect -> openai SDK', path: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'hello there, how are you today?' }] }) },
  { name: 'openai dialect -> anthropic SDK', path: '/v1/chat/completions', headers: {}, body: JSON.stringify({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hello there, how are you today?' }] }) },
];

const procs: Proc[] = [];
const stopAll = () => Promise.all(procs.map((p) => p.stop()));
process.on('SIGINT', () => { void stopAll().then(() => process.exit(130)); });

async function main(): Promise<void> {
  const mock = await start(process.execPath, ['bench/llm/mock-upstream.ts'], {}, /"openai":\d+/);
  procs.push(mock);
  const ports = JSON.parse(/\{.*\}/.exec(mock.output())![0]) as { openai: number; anthropic: number };
  const proxies = new Map<Variant, { port: number; pid: number }>();
  const { cmd, args } = await proxyCommand();
  for (const v of VARIANTS) {
    const port = await freePort();
    const p = await start(cmd, args, {
      NODE_ENV: 'production', LOG_LEVEL: 'info', LLM_PROVIDER: 'openai', LLM_SDK_SHORTCUTS: v,
      OPENAI_API_KEY: 'sk-bench-not-a-real-key', OPENAI_BASE_URL: `http://127.0.0.1:${ports.openai}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-bench-not-a-real-key', ANTHROPIC_BASE_URL: `http://127.0.0.1:${ports.anthropic}`,
      LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_PORT: String(await freePort()), LLM_PROXY_ADMIN_HOST: '127.0.0.1',
    }, /llm-proxy listening/);
    procs.push(p);
    proxies.set(v, { port, pid: p.child.pid! });
  }
  const url = (v: Variant, path: string) => `http://127.0.0.1:${proxies.get(v)!.port}${path}`;
  for (const v of VARIANTS) {
    for (const p of paths) {
      const res = await fetch(url(v, p.path), { method: 'POST', body: p.body, headers: { 'content-type': 'application/json', ...p.headers } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${v} ${p.name}: ${res.status} ${text.slice(0, 300)}`);
      await wrk(url(v, p.path), p.body, p.headers, 16, 1); // warm-up: JIT, pooled sockets
    }
  }
  console.log(`# bench llm-internals — ${ROUNDS} rounds, wrk -t1 -c16 ${SECONDS}s per run; node ${process.version}`);
  type Key = `${Variant}|${string}`;
  const rps: Record<Key, number[]> = {};
  const cpu: Record<Key, number[]> = {};
  let errors = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const p of paths) {
      for (const v of order) {
        const pid = proxies.get(v)!.pid;
        const c0 = cpuMicrosOf(pid);
        const r = await wrk(url(v, p.path), p.body, p.headers, 16, SECONDS);
        const perReq = (cpuMicrosOf(pid) - c0) / (r.rps * SECONDS);
        errors += r.errors;
        (rps[`${v}|${p.name}`] ??= []).push(r.rps);
        (cpu[`${v}|${p.name}`] ??= []).push(perReq);
        console.log(`round ${round + 1}  ${p.name.padEnd(32)} ${v.padEnd(18)} ${fmt(r.rps).padStart(6)} req/s  ${fmt(perReq).padStart(5)} µs CPU/req`);
      }
    }
  }
  console.log('\n| path | LLM_SDK_SHORTCUTS | req/s (median) | proxy CPU µs/req (median) | CPU/req vs shipped (median of per-round ratios) |');
  console.log('|---|---|---|---|---|');
  for (const p of paths) {
    const base = cpu[`template,response|${p.name}`];
    for (const v of VARIANTS) {
      const k: Key = `${v}|${p.name}`;
      const ratio = median(cpu[k].map((c, i) => c / base[i]));
      console.log(`| ${p.name} | ${v} | ${fmt(median(rps[k]))} | ${fmt(median(cpu[k]))} | ${fmt(ratio, 2)}x |`);
    }
  }
  console.log(`\nerrors (non-200 or socket) across all runs: ${errors}`);
}

try {
  await main();
} finally {
  await stopAll();
}
