/**
 * Scaling curves of the LLM proxy against the mock OpenAI upstream
 * (bench/llm/mock-upstream.ts): non-streaming chat completions at 1, 4, 16, 64
 * and 256 connections (proxy, direct upstream, and Portkey when installed),
 * over response sizes (the mock echoes the prompt, so a prompt of N bytes
 * answers about N bytes) and over stream lengths (the mock streams a frame per
 * word), both at 16 connections. Each point runs every target in alternating
 * order; medians of the rounds: req/s, p50/p99 of the whole response, server
 * CPU per request. The proxy is started as `npm run start:llm-proxy` starts it
 * (production settings, openai provider pointed at the mock); RSS idle and at peak.
 *
 *   node bench/curves/llm.ts [--json <file>]
 * Env: CURVE_SECONDS (per point, default 3), CURVE_ROUNDS (default 1).
 */
import { existsSync } from 'node:fs';
import { freePort, waitForHttp, rssOf, cpuMicrosOf, killAll } from '../lib/procs.ts';
import { median, fmt } from '../lib/stats.ts';
import { start as startWithOutput, type Proc } from '../llm/procs.ts';
import { wrk, type LoadResult } from '../llm/wrk.ts';
import { curvePoints } from './points.ts';
import { benchJson } from '../report-json.ts';
import { startNpm } from './npm-start.ts';

const SECONDS = Number(process.env.CURVE_SECONDS ?? 3);
const ROUNDS = Number(process.env.CURVE_ROUNDS ?? 1);
const CONNECTIONS = curvePoints([1, 4, 16, 64, 256]);
const RESPONSE_BYTES = curvePoints([100, 1024, 10 * 1024, 100 * 1024]);
const STREAM_FRAMES = [10, 100, 1000];
const AT = 16;
const PORTKEY = 'node_modules/@portkey-ai/gateway/build/start-server.js';
const BY_CONNECTIONS = 'LLM proxy, non-streaming, by connections';
const BY_SIZE = `LLM proxy, non-streaming, by response size (${AT} connections)`;
const BY_FRAMES = `LLM proxy, streaming, by stream length (${AT} connections)`;

interface Target { series: string; url: string; headers: Record<string, string>; pid?: number }

const chat = (text: string, stream = false) => JSON.stringify({ model: 'gpt-4o-mini', ...(stream ? { stream: true } : {}), messages: [{ role: 'user', content: text }] });

async function main(): Promise<void> {
  const json = benchJson('llm-curves', { seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, responseBytes: RESPONSE_BYTES, streamFrames: STREAM_FRAMES });
  json.table(BY_CONNECTIONS, 'proxy', { at: 'connections', curve: true, log: true });
  json.table(BY_SIZE, 'proxy', { at: 'response size (bytes)', curve: true, log: true });
  json.table(BY_FRAMES, 'proxy', { at: 'stream length (frames)', curve: true, log: true });
  const procs: Proc[] = [];
  try {
    const mock = await startWithOutput(process.execPath, ['bench/llm/mock-upstream.ts'], {}, /"openai":\d+/);
    procs.push(mock);
    const upstream = `http://127.0.0.1:${(JSON.parse(/\{.*\}/.exec(mock.output())![0]) as { openai: number }).openai}`;

    const port = await freePort();
    const adminPort = await freePort();
    const proxy = startNpm('llm-proxy', {
      NODE_ENV: 'production', LOG_LEVEL: 'warn', LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-bench-not-a-real-key', OPENAI_BASE_URL: `${upstream}/v1`,
      LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_PORT: String(adminPort), LLM_PROXY_ADMIN_HOST: '127.0.0.1',
    });
    await waitForHttp(`http://127.0.0.1:${adminPort}/healthz`, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssOf(proxy.pid!);

    const direct: Target = { series: 'direct', url: `${upstream}/v1/chat/completions`, headers: {}, pid: mock.child.pid };
    const viaProxy: Target = { series: 'proxy', url: `http://127.0.0.1:${port}/v1/chat/completions`, headers: {}, pid: proxy.pid };
    let portkey: Target | undefined;
    if (existsSync(PORTKEY)) {
      try {
        const pkPort = await freePort();
        const pk = await startWithOutput(process.execPath, [PORTKEY, `--port=${pkPort}`, '--headless'], {}, /Ready for connections/);
        procs.push(pk);
        portkey = { series: 'portkey', pid: pk.child.pid, url: `http://127.0.0.1:${pkPort}/v1/chat/completions`, headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstream}/v1`, authorization: 'Bearer sk-bench-not-a-real-key' } };
      } catch (err) {
        json.note(`Portkey could not be started: ${(err as Error).message.slice(0, 200)}`);
      }
    } else json.note(`Portkey not installed (${PORTKEY} missing): its curve is missing`);

    json.note('CPU per request of "direct" is the mock upstream\'s own; the proxy\'s and Portkey\'s are their process alone, the upstream\'s share not included.');
    let flip = false;
    const point = async (table: string, at: number, targets: Target[], body: string, connections: number) => {
      const runs: Record<string, { r: LoadResult; cpu: number }[]> = {};
      for (let round = 0; round < ROUNDS; round++) {
        flip = !flip;
        for (const t of flip ? targets : [...targets].reverse()) {
          const cpu0 = t.pid ? cpuMicrosOf(t.pid) : Number.NaN;
          const r = await wrk(t.url, body, t.headers, connections, SECONDS);
          const requests = r.rps * SECONDS;
          (runs[t.series] ??= []).push({ r, cpu: t.pid && requests > 0 ? (cpuMicrosOf(t.pid) - cpu0) / requests : Number.NaN });
        }
      }
      for (const [series, rs] of Object.entries(runs)) {
        const row = { rps: median(rs.map((x) => x.r.rps)), p50us: median(rs.map((x) => x.r.p50)) * 1000, p99us: median(rs.map((x) => x.r.p99)) * 1000, cpuUsPerReq: median(rs.map((x) => x.cpu)), errors: rs.reduce((a, x) => a + x.r.errors, 0) };
        json.row({ table, series, at, ...row });
        console.log(`  ${table.slice(0, 34).padEnd(34)} ${String(at).padStart(7)} ${series.padEnd(8)} ${fmt(row.rps).padStart(6)} req/s  p50 ${fmt(row.p50us).padStart(7)} us  p99 ${fmt(row.p99us).padStart(8)} us  CPU ${fmt(row.cpuUsPerReq, 0).padStart(6)} us/req  errors ${row.errors}`);
      }
    };

    console.log(`llm curves: wrk -t1, ${SECONDS}s per point and target, ${ROUNDS} round(s)`);
    const short = chat('hello there, how are you today?');
    const all = [direct, viaProxy, ...(portkey ? [portkey] : [])];
    for (const t of all) await wrk(t.url, short, t.headers, 16, 1); // warm-up
    for (const c of CONNECTIONS) await point(BY_CONNECTIONS, c, all, short, c);
    for (const size of RESPONSE_BYTES) await point(BY_SIZE, size, [direct, viaProxy], chat('x'.repeat(size)), AT);
    for (const frames of STREAM_FRAMES) await point(BY_FRAMES, frames, [direct, viaProxy], chat('w '.repeat(frames).trim(), true), AT);

    const peak = rssOf(proxy.pid!);
    json.table('RSS', 'LLM proxy', { at: 'state' });
    json.row({ table: 'RSS', series: 'LLM proxy', idleMb: idle.nowMb, peakMb: peak.peakMb });
    console.log(`LLM proxy RSS idle ${fmt(idle.nowMb, 1)} MB, peak ${fmt(peak.peakMb, 1)} MB`);
    json.write();
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

main().then(() => { killAll(); process.exit(0); }, (err) => { console.error(err); killAll(); process.exit(1); });
