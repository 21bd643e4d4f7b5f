import { describe, expect, it } from 'vitest';
import { readLlmProxyConfig } from './config.ts';

const KEY = 'pf-config-key-0123456789abcdef';

describe('client keys, cache and prices from the environment', () => {
  it('reads them, registers each key as a secret, and defaults to memory, no rules and the maintained prices', () => {
    const c = readLlmProxyConfig({ LLM_PROXY_KEYS: JSON.stringify({ [KEY]: { tenant: 'acme', rpm: 5 } }), LLM_CACHE_RULES: '[{"models":["gpt-*"],"ttlSeconds":60}]' });
    expect(c.secrets).toContain(KEY);
    expect([...c.governance.keys.values()]).toMatchObject([{ tenant: 'acme', rpm: 5 }]);
    expect(c.governance.redisUrl).toBe('');
    expect(c.governance.cacheRules).toHaveLength(1);
    expect(c.governance.cacheMaxTtlMs).toBe(86_400_000);
    expect(c.governance.prices.priceOf('gpt-4o-mini')).toBeDefined();
    expect(readLlmProxyConfig({}).governance.keys.size).toBe(0);
  });

  it('a bad value stops the start naming the variable, never a key', () => {
    const err = (env: NodeJS.ProcessEnv) => { try { readLlmProxyConfig(env); return ''; } catch (e) { return String((e as Error).message); } };
    const keys = err({ LLM_PROXY_KEYS: JSON.stringify({ [KEY]: { tenant: 'not ok' } }) });
    expect(keys).toContain('LLM_PROXY_KEYS');
    expect(keys).not.toContain(KEY);
    expect(err({ LLM_CACHE_RULES: '[{"models":[],"ttlSeconds":1}]' })).toContain('LLM_CACHE_RULES');
    expect(err({ LLM_PRICES_FILE: '/nonexistent/prices.json' })).toContain('LLM_PRICES_FILE');
  });
});
