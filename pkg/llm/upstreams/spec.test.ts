import { describe, expect, it } from 'vitest';
import { parseUpstreams, UpstreamsError } from './spec.ts';

const env = { VLLM_KEY: 'vk-123', AZURE_KEY: 'az-secret-value', OPENROUTER_KEY: 'or-1' };
const ok = (text: string, format: 'json' | 'yaml' = 'json') => parseUpstreams(text, format, env);
const fail = (text: string, format: 'json' | 'yaml' = 'json'): string => {
  try { parseUpstreams(text, format, env); } catch (e) { expect(e).toBeInstanceOf(UpstreamsError); return (e as Error).message; }
  throw new Error('expected a refusal');
};

describe('parseUpstreams', () => {
  it('reads a JSON list, defaults weight to 1 and routing to weighted, and reads each key from its variable', () => {
    const c = ok(JSON.stringify([
      { name: 'vllm', kind: 'openai-compatible', baseURL: 'http://vllm:8000/v1', models: ['meta-llama/*'] },
      { name: 'azure', kind: 'azure-openai', baseURL: 'https://x.openai.azure.com', apiKeyEnv: 'AZURE_KEY', models: ['gpt-4o'], weight: 3 },
    ]));
    expect(c.routing).toBe('weighted');
    expect(c.explore).toBe(0.1);
    expect(c.upstreams[0]).toEqual({ name: 'vllm', kind: 'openai-compatible', baseURL: 'http://vllm:8000/v1', models: ['meta-llama/*'], weight: 1 });
    expect(c.upstreams[1]).toMatchObject({ name: 'azure', apiKey: 'az-secret-value', apiKeyEnv: 'AZURE_KEY', weight: 3 });
  });

  it('reads the YAML file form with routing: latency', () => {
    const c = ok(['routing: latency', 'explore: 0.2', 'upstreams:', '  - name: a', '    kind: openai', '    baseURL: https://api.openai.com/v1', '    apiKeyEnv: OPENROUTER_KEY', '    models: ["gpt-*"]', '    timeouts: { attemptMs: 5000 }'].join('\n'), 'yaml');
    expect(c).toMatchObject({ routing: 'latency', explore: 0.2, upstreams: [{ name: 'a', timeouts: { attemptMs: 5000 }, apiKey: 'or-1' }] });
  });

  it('refuses a key inline, in any of its disguises, without echoing it', () => {
    const base = { name: 'a', kind: 'openai', baseURL: 'https://x/v1', models: ['m'] };
    expect(fail(JSON.stringify([{ ...base, apiKey: 'sk-live-abcdef' }]))).toMatch(/upstreams\[0\]\.apiKey: keys never go inline/);
    const asEnv = fail(JSON.stringify([{ ...base, apiKeyEnv: 'sk-live-abcdef0123' }]));
    expect(asEnv).toMatch(/upstreams\[0\]\.apiKeyEnv: apiKeyEnv names the environment variable/);
    expect(asEnv).not.toContain('sk-live-abcdef0123');
    expect(fail(JSON.stringify([{ ...base, apiKeyEnv: 'K', headers: { Authorization: 'Bearer x' } }]))).toMatch(/upstreams\[0\]\.headers\.Authorization: header Authorization carries a credential/);
    const inHeader = fail(JSON.stringify([{ ...base, apiKeyEnv: 'OPENROUTER_KEY', headers: { 'x-portkey': 'sk-ant-abcdef' } }]));
    expect(inHeader).toMatch(/header x-portkey looks like a credential/);
    expect(inHeader).not.toContain('sk-ant-abcdef');
    expect(fail(JSON.stringify([{ ...base, apiKeyEnv: 'OPENROUTER_KEY', baseURL: 'https://user:pw@x/v1' }]))).toMatch(/upstreams\[0\]\.baseURL: must not carry credentials/);
  });

  it('names each bad field', () => {
    const msg = fail(JSON.stringify({ upstreams: [
      { name: 'Bad Name', kind: 'bedrock', baseURL: 'ftp://x', models: [] },
      { name: 'ok', kind: 'anthropic', baseURL: 'https://api.anthropic.com', models: ['claude-*'], weight: 0 },
    ] }));
    for (const f of ['upstreams[0].name', 'upstreams[0].kind', 'upstreams[0].baseURL', 'upstreams[0].models', 'upstreams[1].apiKeyEnv: required for kind anthropic', 'upstreams[1].weight']) expect(msg).toContain(f);
    expect(fail(JSON.stringify({ routing: 'fastest', upstreams: [] }))).toContain('routing:');
    expect(fail('{"upstreams": [')).toMatch(/^not valid JSON/);
    expect(fail(JSON.stringify([{ name: 'v', kind: 'openai-compatible', baseURL: 'http://v/v1', models: ['m'], apiVersion: '1' }]))).toContain('upstreams[0].apiVersion: only azure-openai');
  });

  it('refuses a duplicate name, the mock name and a key variable that is not set', () => {
    const u = { name: 'a', kind: 'openai-compatible', baseURL: 'http://v/v1', models: ['m'] };
    expect(fail(JSON.stringify([u, u]))).toContain('upstreams[1].name: "a" is used twice');
    expect(fail(JSON.stringify([{ ...u, name: 'mock' }]))).toContain('upstreams[0].name: "mock" is the built-in mock provider');
    expect(fail(JSON.stringify([{ ...u, apiKeyEnv: 'NOT_SET_ANYWHERE' }]))).toContain('upstreams[0].apiKeyEnv: environment variable NOT_SET_ANYWHERE (the key of upstream "a") is not set');
  });
});
