import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '#pkg/config/index.ts';
import { readLlmProxyConfig } from './config.ts';

const vllm = { name: 'vllm', kind: 'openai-compatible', baseURL: 'http://vllm:8000/v1', models: ['meta-llama/*'] };
const azure = { name: 'azure', kind: 'azure-openai', baseURL: 'https://r.openai.azure.com', apiKeyEnv: 'AZURE_OPENAI_KEY', models: ['gpt-4o'] };

const refusal = (env: NodeJS.ProcessEnv): ConfigError => {
  try { readLlmProxyConfig(env); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return e as ConfigError; }
  throw new Error('expected a ConfigError');
};

describe('readLlmProxyConfig with named upstreams', () => {
  it('reads LLM_UPSTREAMS, lets LLM_PROVIDER, LLM_FALLBACK and aliases name upstreams, and keeps the shorthand providers', () => {
    const c = readLlmProxyConfig({
      OPENAI_API_KEY: 'sk-openai-1234', AZURE_OPENAI_KEY: 'az-key-1', LLM_UPSTREAMS: JSON.stringify([vllm, azure]),
      LLM_PROVIDER: 'vllm', LLM_FALLBACK: 'azure,openai', LLM_MODEL_ALIASES: '{"llama":{"vllm":"meta-llama/Llama-3.1-8B"}}',
    });
    expect(c.settings.defaultProvider).toBe('vllm');
    expect(c.settings.fallback).toEqual(['azure', 'openai']);
    expect(c.settings.openai?.apiKey).toBe('sk-openai-1234');
    expect(c.settings.upstreams?.map((u) => [u.name, u.apiKey])).toEqual([['vllm', undefined], ['azure', 'az-key-1']]);
    expect(c.settings.routing).toEqual({ mode: 'weighted', explore: 0.1 });
  });

  it('reads a mounted YAML file, and makes the first upstream the default when no key of the shorthand is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'upstreams-'));
    const file = join(dir, 'upstreams.yaml');
    writeFileSync(file, 'routing: latency\nupstreams:\n  - name: vllm\n    kind: openai-compatible\n    baseURL: http://vllm:8000/v1\n    models: ["*"]\n');
    const c = readLlmProxyConfig({ NODE_ENV: 'production', LLM_UPSTREAMS_FILE: file });
    expect(c.settings.defaultProvider).toBe('vllm');
    expect(c.settings.routing?.mode).toBe('latency');
  });

  it('reports a bad upstream under LLM_UPSTREAMS with its field, beside other invalid variables, and never a key', () => {
    const e = refusal({ LLM_UPSTREAMS: JSON.stringify([{ ...vllm, apiKey: 'sk-inline-secret' }]), LLM_BREAKER_ERROR_PCT: '150' });
    expect(e.invalid.map((i) => i.name).sort()).toEqual(['LLM_BREAKER_ERROR_PCT', 'LLM_UPSTREAMS']);
    expect(e.message).toContain('upstreams[0].apiKey: keys never go inline');
    expect(e.message).not.toContain('sk-inline-secret');
    expect(refusal({ LLM_UPSTREAMS: JSON.stringify([azure]) }).message).toContain('AZURE_OPENAI_KEY (the key of upstream "azure") is not set');
    expect(refusal({ LLM_UPSTREAMS_FILE: '/nonexistent/upstreams.yaml' }).invalid[0]).toEqual({ name: 'LLM_UPSTREAMS_FILE', reason: 'cannot read /nonexistent/upstreams.yaml: ENOENT' });
    expect(refusal({ LLM_UPSTREAMS: JSON.stringify([vllm]), LLM_PROVIDER: 'bedrock' }).invalid.map((i) => i.name)).toEqual(['LLM_PROVIDER']);
    expect(refusal({ OPENAI_API_KEY: 'sk-x-123456', LLM_UPSTREAMS: JSON.stringify([{ ...vllm, name: 'openai' }]) }).message).toContain('upstream "openai" is also configured by OPENAI_API_KEY');
  });
});
