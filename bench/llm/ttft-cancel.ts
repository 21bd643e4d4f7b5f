/**
 * npm run bench:llm:ttft — time to first token only, for a client that reads every stream to its end and one
 * that reads the first token and cancels, direct against the mock upstream and through the proxy, started as
 * bench:llm starts them; alternating rounds, medians of per-round differences. A short run for the TTFT work
 * (bench:llm prints the same figures among the others).
 *
 * Env: BENCH_ROUNDS (default 5), BENCH_TTFT_REQUESTS (default 300).
 */
import { freePort } from '#test/fixtures/ports.ts';
import { start, type Proc } from './procs.ts';
import { median, ttft, type TtftResult } from './ttft.ts';
import { proxyCommand } from './proxy-command.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const N = Number(process.env.BENCH_TTFT_REQUESTS ?? 300);
const NODE = process.execPath;
const streamBody = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello there, how are you today?' }] });

const procs: Proc[] = [];
try {
  const mock = await start(NODE, ['bench/llm/mock-upstream.ts'], {}, /"openai":\d+/, 90_000);
  procs.push(mock);
  const ports = JSON.parse(/\{.*\}/.exec(mock.output())![0]) as { openai: number };
  const upstream = `http://127.0.0.1:${ports.openai}`;
  const proxyPort = await freePort();
  const { cmd, args } = await proxyCommand();
  procs.push(await start(cmd, args, {
    NODE_ENV: 'production', LOG_LEVEL: 'info', LLM_PROVIDER: 'openai',
    OPENAI_API_KEY: 'sk-bench-not-a-real-key', OPENAI_BASE_URL: `${upstream}/v1`,
    LLM_PROXY_PORT: String(proxyPort), LLM_PROXY_ADMIN_PORT: String(await freePort()), LLM_PROXY_ADMIN_HOST: '127.0.0.1',
  }, /llm-proxy listening/, 90_000));
  const targets = { direct: upstream, proxy: `http://127.0.0.1:${proxyPort}` };
  const res: Record<string, TtftResult[]> = {};
  const run = async (name: 'direct' | 'proxy', cancel: boolean) => {
    const r = await ttft(targets[name], '/v1/chat/completions', streamBody, {}, N, cancel);
    (res[`${name} ${cancel ? 'cancel' : 'full'}`] ??= []).push(r);
  };
  for (const name of ['direct', 'proxy'] as const) { await run(name, false); await run(name, true); } // warm-up, dropped
  for (const k of Object.keys(res)) res[k] = [];
  console.log(`# bench:llm:ttft — ${ROUNDS} rounds × ${N} sequential streams per series; node ${process.version}`);
  for (let round = 1; round <= ROUNDS; round++) {
    const order: ['direct' | 'proxy', boolean][] = [['direct', false], ['proxy', false], ['direct', true], ['proxy', true]];
    for (const [name, cancel] of round % 2 ? order : [...order].reverse()) await run(name, cancel);
    console.log(`round ${round}: ${Object.entries(res).map(([k, v]) => `${k} ${v[v.length - 1].p50.toFixed(3)} ms (${v[v.length - 1].connections} conn)`).join('  ')} (TTFT p50, connections opened for ${N} requests)`);
  }
  const fmt = (n: number) => n.toFixed(3);
  const added = (mode: string) => median(res[`proxy ${mode}`].map((r, i) => r.p50 - res[`direct ${mode}`][i].p50));
  console.log('\n| series | TTFT p50 ms | p99 ms |');
  console.log('|---|---|---|');
  for (const [k, v] of Object.entries(res)) console.log(`| ${k} | ${fmt(median(v.map((r) => r.p50)))} | ${fmt(median(v.map((r) => r.p99)))} |`);
  for (const mode of ['full', 'cancel']) {
    const a = added(mode);
    console.log(`- added time to first token p50, ${mode === 'full' ? 'full reads' : 'first token then cancel'}: ${fmt(a)} ms (target < 1 ms) ${a < 1 ? 'PASS' : 'MISS'}`);
  }
} finally {
  await Promise.all(procs.map((p) => p.stop()));
}
