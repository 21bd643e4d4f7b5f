import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { freePort } from '../fixtures/ports.ts';
import { eventually } from '../fixtures/poll.ts';

// cmd/llm-proxy as a real process: configuration checks, and no key in any log line or error body.
const OPENAI_KEY = 'sk-proj-LOGSCAN-openai-7f3a9c2e1b';
const ANTHROPIC_KEY = 'sk-ant-api03-LOGSCAN-anthropic-5d8e2f';
const MAIN = new URL('../../cmd/llm-proxy/main.ts', import.meta.url).pathname;

interface Run { child: ChildProcess; out: () => string; exited: Promise<number | null> }

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

const llm = useLlmSuite();

describe('cmd/llm-proxy', () => {
  it('refuses to start in production when a configured provider has no key, naming the variable and no value', async () => {
    const r = run({ NODE_ENV: 'production', LLM_PROVIDER: 'openai', LLM_FALLBACK: 'anthropic', OPENAI_API_KEY: OPENAI_KEY, LLM_PROXY_PORT: String(await freePort()), LLM_PROXY_ADMIN_PORT: String(await freePort()) });
    expect(await r.exited).toBe(1);
    expect(r.out()).toContain('ANTHROPIC_API_KEY');
    expect(r.out()).not.toContain(OPENAI_KEY);
  });

  it('rejects an invalid setting by name', async () => {
    const r = run({ LLM_RETRY_MAX_ATTEMPTS: 'many', LLM_FALLBACK: 'openai,nosuch', LLM_PROXY_PORT: String(await freePort()), LLM_PROXY_ADMIN_PORT: String(await freePort()) });
    expect(await r.exited).toBe(1);
    expect(r.out()).toContain('LLM_RETRY_MAX_ATTEMPTS');
    expect(r.out()).toContain('LLM_FALLBACK');
  });

  it('never writes a configured API key to a log line or an answer, whatever fails', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const r = run({
      NODE_ENV: 'production', LOG_LEVEL: 'debug', OPENAI_LOG: 'debug', ANTHROPIC_LOG: 'debug',
      LLM_PROVIDER: 'openai', LLM_FALLBACK: 'anthropic',
      OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      OPENAI_BASE_URL: `${llm.oai.origin}/v1`, ANTHROPIC_BASE_URL: llm.ant.origin,
      LLM_MODEL_ALIASES: JSON.stringify({ fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } }),
      LLM_RETRY_BASE_MS: '1', LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_PORT: String(adminPort), LLM_PROXY_ADMIN_HOST: '127.0.0.1',
    });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.status === 200, '/readyz to answer 200', 15_000);
      const post = (body: unknown) => fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answers: string[] = [];
      const echo = (key: string) => ({ error: { message: `Incorrect API key provided: ${key}. You can find your API key at https://example.invalid`, type: 'invalid_request_error', code: 'invalid_api_key' } });
      llm.oai.script({ status: 401, body: echo(OPENAI_KEY) }, { status: 400, body: echo(OPENAI_KEY) }, { status: 500, body: echo(OPENAI_KEY) }, { status: 500 }, { status: 500 });
      llm.ant.script({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${ANTHROPIC_KEY}` } } });
      for (let i = 0; i < 3; i++) {
        const res = await post({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: i === 2 });
        answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
      }
      llm.oai.script({ cutAfter: 2 });
      const s = await post({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      answers.push(await s.text());
      answers.push(await (await fetch(`http://127.0.0.1:${adminPort}/v1/status`)).text());
      answers.push(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text());
      // The upstream did receive the keys: the scan below is meaningful.
      expect(llm.oai.calls.some((c) => c.headers.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true);
      // (@anthropic-ai/sdk 1.x sends the key as a bearer token; older versions as x-api-key)
      expect(llm.ant.calls.some((c) => c.headers['x-api-key'] === ANTHROPIC_KEY || c.headers.authorization === `Bearer ${ANTHROPIC_KEY}`)).toBe(true);
      expect(answers.join('\n')).toContain('[REDACTED]'); // the 400 echo was passed on, masked
      for (const text of [...answers, r.out()]) {
        expect(text).not.toContain(OPENAI_KEY);
        expect(text).not.toContain(ANTHROPIC_KEY);
      }
      expect(r.out()).toContain('llm request failed');
    } finally {
      r.child.kill('SIGTERM');
      await r.exited;
    }
    for (const key of [OPENAI_KEY, ANTHROPIC_KEY]) expect(r.out()).not.toContain(key);
    expect(r.out()).toContain('"msg":"stopped"');
  });
});
