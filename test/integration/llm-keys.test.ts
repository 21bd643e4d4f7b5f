import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { testSettings, until } from '../fixtures/llm/proxy.ts';
import { freePort } from '../fixtures/ports.ts';
import { sharedRedisUrl } from '../fixtures/redis.ts';
import { PriceTable } from '../../pkg/llm/pricing/index.ts';
import { metricValue, startGovernedProxy, type GovernedProxy } from './llm-keys-fixture.ts';

// Issue 14 section 3: client keys (401/403 in each dialect), rpm and tpm shared by two proxy processes on one Redis,
// and a monthly budget spent mid-month, through the official clients.
const GPT = 'gpt-4o-mini';
const CLAUDE = 'claude-sonnet-4-6';
const MAIN = new URL('../../cmd/llm-proxy/main.ts', import.meta.url).pathname;
const TOKEN = 'pf-proxy-token-0123456789';
/** A key no earlier run used: the shared Redis keeps a key's counters for its minute and month. */
const newKey = (name: string) => `pf-${name}-${randomBytes(12).toString('hex')}`;
// Both mock upstreams for the file, reset after every test.
const llm = useLlmSuite();

const openai = (url: string, key: string, maxRetries = 0) => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries });
const anthropic = (url: string, key: string, maxRetries = 0) => new Anthropic({ apiKey: key, baseURL: url, maxRetries });
const ask = (url: string, key: string, model = GPT, maxRetries = 0) => openai(url, key, maxRetries).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
const askAnthropic = (url: string, key: string, model = CLAUDE) => anthropic(url, key).messages.create({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
const failure = <T>(p: Promise<T>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as { status: number; error: any; headers: Headers; message: string });

/** Waits out the last seconds of a UTC minute, so a test's requests fall in one rpm/tpm window. */
async function startOfMinute(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 8000) await new Promise((r) => setTimeout(r, left + 50));
}

describe('client keys in one proxy', () => {
  const ACME = newKey('acme');
  const GPT_ONLY = newKey('gpt-only');
  let proxy: GovernedProxy;
  beforeAll(async () => {
    proxy = await startGovernedProxy(testSettings(llm.oai.origin, llm.ant.origin), {
      keys: { [ACME]: { tenant: 'acme' }, [GPT_ONLY]: { tenant: 'globex', models: ['gpt-*', 'fast'] } }, callerTokens: [TOKEN],
    });
  });
  afterAll(async () => { await proxy?.close(); });

  it('a key serves in both dialects (Bearer from the openai SDK, the Anthropic SDK\'s key) and never reaches the provider or a log', async () => {
    expect((await ask(proxy.url, ACME)).choices[0].message.content).toContain('openai-mock');
    expect((await askAnthropic(proxy.url, ACME)).content[0].type).toBe('text');
    expect((await ask(proxy.url, TOKEN)).choices[0].message.content).toBeTruthy();
    const viaHeader = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ACME, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: CLAUDE, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(viaHeader.status).toBe(200);
    for (const call of [...llm.oai.calls, ...llm.ant.calls]) expect(JSON.stringify(call.headers)).not.toContain(ACME);
    expect(proxy.logs.text()).not.toContain(ACME);
  });

  it('a missing or unknown key is a 401 in each dialect\'s shape, before any provider call', async () => {
    const o = await failure(ask(proxy.url, newKey('nobody')));
    expect(o).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(o.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    expect(o.error.message).toMatch(/LLM_PROXY_KEYS/);
    const a = await failure(askAnthropic(proxy.url, newKey('nobody')));
    expect(a).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(a.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const none = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: GPT, messages: [] }) });
    expect(none.status).toBe(401);
    expect(llm.oai.calls.length + llm.ant.calls.length).toBe(0);
    expect(metricValue(await proxy.metrics.text(), 'llm_key_rejections_total', { reason: 'unknown_key' })).toBeGreaterThanOrEqual(3);
  });

  it('a model the key may not use is a 403 in each dialect\'s shape; an alias of an allowed model is allowed', async () => {
    const o = await failure(ask(proxy.url, GPT_ONLY, CLAUDE));
    expect(o).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(o.error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    const a = await failure(askAnthropic(proxy.url, GPT_ONLY, CLAUDE));
    expect(a).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(a.error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect(llm.ant.calls).toHaveLength(0);
    // The other endpoints obey the same list.
    const e = await failure(openai(proxy.url, GPT_ONLY).embeddings.create({ model: 'text-embedding-3-small', input: 'hi' }));
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(llm.oai.calls).toHaveLength(0);
    expect((await openai(proxy.url, ACME).embeddings.create({ model: 'text-embedding-3-small', input: 'hi' })).data).toHaveLength(1);
    expect((await ask(proxy.url, GPT_ONLY, GPT)).choices[0].message.content).toBeTruthy();
    expect(metricValue(await proxy.metrics.text(), 'llm_key_rejections_total', { tenant: 'globex', reason: 'model' })).toBe(3);
  });
});

interface Proc { child: ChildProcess; url: string; adminUrl: string; out: () => string; exited: Promise<number | null> }

async function spawnProxy(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const adminPort = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_PORT: String(adminPort), LLM_PROXY_ADMIN_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.status === 200, 90_000)
    .catch((err: unknown) => { child.kill('SIGKILL'); throw new Error(`${String(err)}: ${out.slice(-2000)}`); });
  return { child, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}`, out: () => out, exited };
}

describe('rpm and tpm shared by two proxy processes on one Redis', () => {
  const RPM = newKey('rpm');
  const TPM = newKey('tpm');
  let a: Proc;
  let b: Proc;
  beforeAll(async () => {
    const env = {
      LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-openai-key-0123456789', OPENAI_BASE_URL: `${llm.oai.origin}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-test-anthropic-key-0123456789', ANTHROPIC_BASE_URL: llm.ant.origin,
      REDIS_URL: sharedRedisUrl(), LLM_RETRY_BASE_MS: '1',
      LLM_PROXY_KEYS: JSON.stringify({ [RPM]: { tenant: 'acme', rpm: 3 }, [TPM]: { tenant: 'globex', tpm: 30 } }),
    };
    [a, b] = await Promise.all([spawnProxy(env), spawnProxy(env)]);
  }, 200_000);
  afterAll(async () => {
    for (const p of [a, b]) if (p) { p.child.kill('SIGTERM'); await p.exited; }
    for (const p of [a, b]) if (p) for (const k of [RPM, TPM]) expect(p.out()).not.toContain(k);
  });

  it('the second process sees the first\'s requests: the fourth of rpm 3 is a 429 with retry-after, in each dialect', async () => {
    await startOfMinute();
    await ask(a.url, RPM);
    await ask(a.url, RPM);
    await askAnthropic(b.url, RPM, GPT);
    const o = await failure(ask(b.url, RPM));
    expect(o).toBeInstanceOf(OpenAI.RateLimitError);
    expect(o.error).toMatchObject({ type: 'rate_limit_error', code: 'rpm_exceeded' });
    const wait = Number(o.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(o.headers.get('x-should-retry')).toBeNull();
    const an = await failure(askAnthropic(a.url, RPM, GPT));
    expect(an).toBeInstanceOf(Anthropic.RateLimitError);
    expect(an.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(llm.oai.calls).toHaveLength(3);
  });

  it('tokens are counted after each answer and checked before the next, across processes', async () => {
    await startOfMinute();
    const first = await ask(a.url, TPM);
    const used = first.usage!.total_tokens;
    expect(used).toBeGreaterThan(0);
    // Below 30 after one answer, at or above it after two (the mock reports the same usage each time).
    expect(used).toBeLessThan(30);
    expect(2 * used).toBeGreaterThanOrEqual(30);
    // The count is written after the answer went out: poll until the other process refuses.
    await ask(b.url, TPM);
    let refused: { status: number; error: any } | undefined;
    await until(async () => {
      refused = await ask(b.url, TPM).then(() => undefined, (e: unknown) => e as { status: number; error: any });
      return refused !== undefined;
    }, 5000);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused!.error).toMatchObject({ code: 'tpm_exceeded' });
    const metrics = await (await fetch(`${b.adminUrl}/metrics`)).text();
    expect(metricValue(metrics, 'llm_key_rejections_total', { tenant: 'globex', reason: 'tpm' })).toBeGreaterThanOrEqual(1);
  });
});

describe('a monthly budget spent mid-month (injected clock)', () => {
  const KEY = newKey('budget');
  // One answer of the mock (11 input, 7 output tokens) costs 0.018 USD at 1,000 USD per million tokens.
  const prices = PriceTable.parse(JSON.stringify({ models: { [GPT]: { input: 1000, output: 1000 } } }));
  let now = Date.UTC(2031, 5, 14, 12, 0, 0);
  let proxy: GovernedProxy;
  beforeAll(async () => {
    proxy = await startGovernedProxy(testSettings(llm.oai.origin, llm.ant.origin), { keys: { [KEY]: { tenant: 'acme', monthlyBudgetUsd: 0.03 } }, redisUrl: sharedRedisUrl(), prices, now: () => now });
  });
  afterAll(async () => { await proxy?.close(); });

  it('refuses with 429 and a clear message once spent, without the SDK retrying, until the next month', async () => {
    const first = await ask(proxy.url, KEY);
    const cost = prices.cost(GPT, { inputTokens: first.usage!.prompt_tokens, outputTokens: first.usage!.completion_tokens })!;
    expect(cost).toBeLessThan(0.03);
    const caller = proxy.governance.gate.identify(KEY)!;
    await until(async () => Math.abs(await proxy.governance.gate.spent(caller) - cost) < 1e-9);
    now += 3 * 24 * 3600_000;
    await ask(proxy.url, KEY);
    await until(async () => await proxy.governance.gate.spent(caller) >= 0.03);
    // The SDK's default retries are on: x-should-retry: false keeps it to one attempt.
    const calls = llm.oai.calls.length;
    const o = await failure(ask(proxy.url, KEY, GPT, 2));
    expect(o).toBeInstanceOf(OpenAI.RateLimitError);
    expect(o.error).toMatchObject({ code: 'budget_exceeded' });
    expect(o.error.message).toMatch(/monthly budget/);
    expect(o.headers.get('x-should-retry')).toBe('false');
    expect(Number(o.headers.get('retry-after'))).toBe(Math.ceil((Date.UTC(2031, 6, 1) - now) / 1000));
    const an = await failure(anthropic(proxy.url, KEY, 2).messages.create({ model: GPT, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(an).toBeInstanceOf(Anthropic.RateLimitError);
    expect(an.error.error.message).toMatch(/monthly budget/);
    expect(llm.oai.calls.length).toBe(calls);
    expect(metricValue(await proxy.metrics.text(), 'llm_key_rejections_total', { tenant: 'acme', reason: 'budget' })).toBe(2);
    now = Date.UTC(2031, 6, 1, 0, 0, 1);
    expect((await ask(proxy.url, KEY)).choices[0].message.content).toBeTruthy();
  });
});
