import { describe, expect, it } from 'vitest';
import { Router } from './router.ts';

const aliases = { fast: { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' }, smart: { anthropic: 'claude-sonnet-4-6' } };
const all = new Set(['openai', 'anthropic', 'mock'] as const);

describe('Router', () => {
  const r = new Router({ defaultProvider: 'openai', available: all, aliases, fallback: ['anthropic', 'mock'] });

  it('picks the provider by prefix, explicit provider/model, or the default', () => {
    expect(r.resolve('claude-3-opus').candidates[0]).toEqual({ provider: 'anthropic', model: 'claude-3-opus' });
    expect(r.resolve('o1-mini').candidates[0].provider).toBe('openai');
    expect(r.resolve('anthropic/claude-sonnet-4-6').candidates[0]).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-6' });
    expect(r.resolve('meta-llama/Llama-3-8b').candidates[0]).toEqual({ provider: 'openai', model: 'meta-llama/Llama-3-8b' });
  });

  it('lets x-llm-provider force a provider and refuses an unknown one', () => {
    expect(r.resolve('gpt-4o', 'mock').candidates[0]).toEqual({ provider: 'mock', model: 'gpt-4o' });
    expect(() => r.resolve('gpt-4o', 'bedrock')).toThrow(expect.objectContaining({ kind: 'invalid_request', param: 'x-llm-provider' }));
  });

  it('maps an alias to each provider of the fallback chain', () => {
    expect(r.resolve('fast')).toEqual({ requested: 'fast', alias: 'fast', candidates: [
      { provider: 'openai', model: 'gpt-4o-mini' }, { provider: 'anthropic', model: 'claude-3-5-haiku-latest' }, { provider: 'mock', model: 'fast' },
    ] });
    // The default provider is not in this alias: its first provider serves.
    expect(r.resolve('smart').candidates.map((c) => c.provider)).toEqual(['anthropic', 'mock']);
  });

  it('maps a concrete model through the alias that names it, and skips providers with no model to use', () => {
    expect(r.resolve('gpt-4o-mini').candidates).toEqual([
      { provider: 'openai', model: 'gpt-4o-mini' }, { provider: 'anthropic', model: 'claude-3-5-haiku-latest' }, { provider: 'mock', model: 'gpt-4o-mini' },
    ]);
    expect(r.resolve('gpt-4-turbo').candidates.map((c) => c.provider)).toEqual(['openai', 'mock']);
  });

  it('leaves out providers that are not configured, and refuses when none is left', () => {
    const partial = new Router({ defaultProvider: 'openai', available: new Set(['anthropic'] as const), aliases, fallback: ['anthropic'] });
    expect(partial.resolve('fast').candidates).toEqual([{ provider: 'anthropic', model: 'claude-3-5-haiku-latest' }]);
    expect(() => partial.resolve('fast', 'openai')).toThrow(expect.objectContaining({ kind: 'invalid_request', param: 'x-llm-provider' }));
    expect(() => partial.resolve('gpt-4-turbo')).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
  });

  it('lists aliases and their models', () => {
    expect(r.models().map((m) => m.id)).toEqual(['fast', 'openai/gpt-4o-mini', 'anthropic/claude-3-5-haiku-latest', 'smart', 'anthropic/claude-sonnet-4-6', 'mock/mock-1']);
  });
});
