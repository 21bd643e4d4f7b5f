import { describe, expect, it } from 'vitest';
import { ConfigError } from '#pkg/config/index.ts';
import { readLlmProxyConfig } from './config.ts';

describe('readLlmProxyConfig', () => {
  it('defaults to the mock outside production, with the documented knobs', () => {
    const c = readLlmProxyConfig({});
    expect(c.port).toBe(7701);
    expect(c.adminPort).toBe(9701);
    expect(c.host).toBe('127.0.0.1');
    expect(c.maxBodyBytes).toBe(32 * 1024 * 1024);
    expect(c.settings).toMatchObject({ defaultProvider: 'mock', mock: true, retry: { maxAttempts: 3, baseMs: 250, capMs: 8000 }, timeoutMs: 600_000, maxTimeoutMs: 600_000, degradedMode: 'error',
      breaker: { windowMs: 30_000, errorPct: 50, minRequests: 10, resetMs: 30_000 } });
  });

  it('picks the provider with a key, reads aliases and fallback, and lists secrets to mask', () => {
    const c = readLlmProxyConfig({ ANTHROPIC_API_KEY: 'sk-ant-123456', LLM_FALLBACK: 'mock', LLM_MODEL_ALIASES: '{"fast":{"anthropic":"claude-3-5-haiku-latest"}}', LLM_RETRY_CAP_MS: '2s' });
    expect(c.settings.defaultProvider).toBe('anthropic');
    expect(c.settings.fallback).toEqual(['mock']);
    expect(c.settings.aliases).toEqual({ fast: { anthropic: 'claude-3-5-haiku-latest' } });
    expect(c.settings.retry?.capMs).toBe(2000);
    expect(c.secrets).toEqual(['sk-ant-123456']);
  });

  it('in production refuses a configured provider without its key, naming the variable only', () => {
    let err: unknown;
    try { readLlmProxyConfig({ NODE_ENV: 'production', LLM_PROVIDER: 'anthropic', LLM_FALLBACK: 'openai', ANTHROPIC_API_KEY: 'sk-ant-secret-value' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).missing).toEqual(['OPENAI_API_KEY']);
    expect((err as Error).message).not.toContain('sk-ant-secret-value');
  });

  it('outside production skips a keyless provider instead', () => {
    const c = readLlmProxyConfig({ LLM_PROVIDER: 'openai', LLM_FALLBACK: 'mock' });
    expect(c.skipped).toEqual(['openai']);
    expect(c.settings.openai).toBeUndefined();
  });

  it('reports every invalid variable by name', () => {
    let err: ConfigError | undefined;
    try { readLlmProxyConfig({ LLM_PROVIDER: 'bedrock', LLM_MODEL_ALIASES: '{"x":{"nope":"m"}}', LLM_BREAKER_ERROR_PCT: '150' }); } catch (e) { err = e as ConfigError; }
    expect(err?.invalid.map((i) => i.name).sort()).toEqual(['LLM_BREAKER_ERROR_PCT', 'LLM_MODEL_ALIASES', 'LLM_PROVIDER']);
  });

  it('reads its switches as flags, as every binary does: any case, yes/on/1 and no/off/0', () => {
    const read = (v: string) => { const c = readLlmProxyConfig({ OPENAI_API_KEY: 'sk-flag-test-1234', LLM_MOCK_ENABLED: v, LLM_CACHE_SAMPLED: v }); return [c.settings.mock, c.governance.cacheSampled]; };
    expect([read('YES'), read('On'), read('1'), read(' true ')]).toEqual(Array(4).fill([true, true]));
    expect([read('Off'), read('no'), read('0'), read('')]).toEqual(Array(4).fill([false, false]));
    let err: ConfigError | undefined;
    try { readLlmProxyConfig({ LLM_MOCK_ENABLED: 'maybe' }); } catch (e) { err = e as ConfigError; }
    expect(err?.invalid.map((i) => i.name)).toEqual(['LLM_MOCK_ENABLED']);
  });
});
