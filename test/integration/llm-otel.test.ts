import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { useLlmSuite } from '../fixtures/llm/suite.ts';
import { freePort } from '../fixtures/ports.ts';
import { eventually } from '../fixtures/poll.ts';

// Issue 14 section 3: with OTLP configured, cmd/llm-proxy exports the OpenTelemetry GenAI semantic-convention
// metrics (gen_ai.client.token.usage, gen_ai.client.operation.duration) and a span per chat call, through the
// real OTel SDK and exporters, to a stand-in OTLP/HTTP collector.
const MAIN = new URL('../../cmd/llm-proxy/main.ts', import.meta.url).pathname;
const llm = useLlmSuite();

/** Records every body the exporters post, by path. */
function collector() {
  const received: { path: string; body: Buffer }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return { server, received, posted: (path: string) => Buffer.concat(received.filter((r) => r.path === path).map((r) => r.body)).toString('latin1') };
}

describe('cmd/llm-proxy with OTLP configured', () => {
  const otlp = collector();
  let collectorUrl = '';
  beforeAll(async () => {
    await new Promise<void>((r) => otlp.server.listen(0, '127.0.0.1', () => r()));
    collectorUrl = `http://127.0.0.1:${(otlp.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => otlp.server.close(() => r())));

  it('exports gen_ai token usage and operation duration per provider and model, and a span per chat call, flushed on SIGTERM', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn',
        LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-otel-test', ANTHROPIC_API_KEY: 'sk-ant-otel-test',
        OPENAI_BASE_URL: `${llm.oai.origin}/v1`, ANTHROPIC_BASE_URL: llm.ant.origin,
        LLM_PROXY_PORT: String(port), LLM_PROXY_ADMIN_PORT: String(adminPort), LLM_PROXY_ADMIN_HOST: '127.0.0.1',
        OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_METRIC_EXPORT_INTERVAL: '600000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => { out += String(d); });
    child.stderr!.on('data', (d) => { out += String(d); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.status === 200, '/readyz to answer 200', 20_000);
      const openai = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
      const anthropic = new Anthropic({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
      const chat = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      expect(chat.usage?.total_tokens).toBeGreaterThan(0);
      const message = await anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
      expect(message.usage.output_tokens).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, out).toBe(0);
    // The metric reader exports once more on shutdown; the span processor flushes.
    const metrics = otlp.posted('/v1/metrics');
    const traces = otlp.posted('/v1/traces');
    for (const name of ['gen_ai.client.token.usage', 'gen_ai.client.operation.duration', 'gen_ai.token.type', 'gen_ai.request.model', 'gpt-4o-mini', 'claude-3-5-haiku-latest']) {
      expect(metrics, `OTLP metrics carry ${name}`).toContain(name);
    }
    expect(traces).toContain('chat gpt-4o-mini');
    expect(traces).toContain('chat claude-3-5-haiku-latest');
    expect(traces).toContain('gen_ai.operation.name');
    // A provider key never leaves the proxy, in telemetry either.
    expect(metrics + traces).not.toContain('sk-otel-test');
    expect(metrics + traces).not.toContain('sk-ant-otel-test');
  });
});
