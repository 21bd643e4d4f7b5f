import { describe, expect, it } from 'vitest';
import { InjectionConfigError, parseConfigLayer, resolveInjectionConfig } from './index.ts';

const base = { image: 'ghcr.io/pilotfish/pilotfish:0.1.0' };

function problems(...layers: Record<string, unknown>[]): string[] {
  try {
    resolveInjectionConfig([base, ...layers]);
  } catch (err) {
    expect(err).toBeInstanceOf(InjectionConfigError);
    return [...(err as InjectionConfigError).problems];
  }
  throw new Error('expected an InjectionConfigError');
}

describe('resolveInjectionConfig', () => {
  it('fills the chart defaults under a config that names only the image', () => {
    const c = resolveInjectionConfig([base]);
    expect(c.image).toBe(base.image);
    expect(c.cache).toMatchObject({ backend: 'redis', redisSecret: { name: 'pilotfish-redis', key: 'url' }, port: 7700, adminPort: 9700 });
    expect(c.cache.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(c.llm).toMatchObject({ provider: 'openai', fallback: ['anthropic'], port: 7701, adminPort: 9701, openaiSecret: { name: 'pilotfish-llm', key: 'openai-api-key' } });
  });

  it('layers the namespace ConfigMap over the cluster one: maps merge, lists replace', () => {
    const cluster = parseConfigLayer('cache:\n  backend: redis\n  redisSecret: {name: shared-redis, key: url}\nllm:\n  fallback: [anthropic]\n', 'cluster');
    const ns = parseConfigLayer('cache:\n  redisSecret: {name: team-redis}\n  resources: {requests: {cpu: 100m}}\nllm:\n  provider: mock\n  mockEnabled: true\n  fallback: []\n', 'ns');
    const c = resolveInjectionConfig([base, cluster, ns]);
    expect(c.cache.redisSecret).toEqual({ name: 'team-redis', key: 'url' });
    expect(c.cache.resources.requests).toEqual({ cpu: '100m', memory: '64Mi' });
    expect(c.llm.provider).toBe('mock');
    expect(c.llm.fallback).toEqual([]);
  });

  it('cache.ttlHeader: true unless a layer sets it false; anything but a boolean is refused by name', () => {
    expect(resolveInjectionConfig([base]).cache.ttlHeader).toBe(true);
    expect(resolveInjectionConfig([base, { cache: { ttlHeader: false } }]).cache.ttlHeader).toBe(false);
    expect(resolveInjectionConfig([base, { cache: { ttlHeader: false } }, { cache: { ttlHeader: true } }]).cache.ttlHeader).toBe(true);
    expect(problems({ cache: { ttlHeader: 'off' } })).toEqual([expect.stringMatching(/^cache\.ttlHeader: must be true or false/)]);
  });

  it('an empty layer is no change; a non-mapping or bad YAML names its source', () => {
    expect(parseConfigLayer('', 'x')).toEqual({});
    expect(() => parseConfigLayer('- a\n- b', 'apps/pilotfish-injection')).toThrow(/apps\/pilotfish-injection: must be a YAML mapping/);
    expect(() => parseConfigLayer('a: [', 'apps/pilotfish-injection')).toThrow(/not valid YAML/);
  });

  it('requires an image', () => {
    expect(() => resolveInjectionConfig([])).toThrow(/image: is required/);
  });

  it('lists every problem at once, by field path', () => {
    const p = problems({
      imagePullPolicy: 'Sometimes',
      cach: {},
      cache: { backend: 'upstash', port: 70000, resources: { requests: { cpu: 'lots' } }, opTimeout: 'soon' },
      llm: { provider: 'gemini', mockEnabled: 'yes' },
    });
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^imagePullPolicy: must be one of Always, IfNotPresent, Never/),
      expect.stringMatching(/^cach: is not a known field/),
      expect.stringMatching(/^cache\.upstashUrl: is required with backend upstash/),
      expect.stringMatching(/^cache\.upstashSecret: is required/),
      expect.stringMatching(/^cache\.port: must be a port/),
      expect.stringMatching(/^cache\.resources\.requests\.cpu: must be a quantity/),
      expect.stringMatching(/^cache\.opTimeout: must be a duration/),
      expect.stringMatching(/^llm\.provider: must be one of openai, anthropic, mock/),
      expect.stringMatching(/^llm\.mockEnabled: must be true or false/),
    ]));
  });

  it('refuses secrets written inline and variables the injector owns', () => {
    const p = problems({ cache: { env: { REDIS_URL: 'redis://:pw@x', MY_API_KEY: 'sk-123', CACHE_SIDECAR_HOST: '0.0.0.0', FEATURE: 'on' } } });
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^cache\.env\.REDIS_URL: is set by the injector/),
      expect.stringMatching(/^cache\.env\.MY_API_KEY: looks like a secret/),
      expect.stringMatching(/^cache\.env\.CACHE_SIDECAR_HOST: is set by the injector/),
    ]));
    expect(p.join(' ')).not.toContain('sk-123');
    expect(p.join(' ')).not.toContain(':pw@');
    expect(resolveInjectionConfig([base, { cache: { env: { FEATURE: 'on', RETRIES: 3 } } }]).cache.env).toEqual({ FEATURE: 'on', RETRIES: '3' });
  });

  it('takes Secret references only as {name, key}', () => {
    const inline = problems({ cache: { redisSecret: 'redis://:pw@redis:6379' } });
    expect(inline).toContainEqual(expect.stringMatching(/^cache\.redisSecret: must be \{name, key\}/));
    expect(inline.join(' ')).not.toContain('pw@');
    expect(problems({ cache: { redisSecret: { name: 'Bad_Name', key: 'url' } } })).toEqual([expect.stringMatching(/^cache\.redisSecret\.name: must be a Secret name/)]);
    expect(problems({ cache: { redisSecret: null } })).toEqual([expect.stringMatching(/^cache\.redisSecret: is required with backend redis/)]);
  });

  it('refuses a provider route the proxy could not serve, and a request above its limit', () => {
    expect(problems({ llm: { provider: 'mock', fallback: [] } })).toEqual([expect.stringMatching(/^llm\.mockEnabled: must be true when provider or fallback names mock/)]);
    expect(problems({ llm: { openaiSecret: null } })).toEqual([expect.stringMatching(/^llm\.openaiSecret: is required/)]);
    expect(problems({ cache: { resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } } })).toEqual([expect.stringMatching(/^cache\.resources\.requests\.memory: \(1Gi\) must not exceed limits\.memory \(512Mi\)/)]);
  });

  it('validates the TTL policy with the sidecar\'s own rules, and ports must differ', () => {
    expect(problems({ cache: { ttlPolicy: { scopes: { s: { ttl: '1h', max: '1m' } } } } })).toEqual([expect.stringMatching(/^cache\.ttlPolicy: TTL policy: scopes\.s\.ttl must lie within/)]);
    expect(problems({ llm: { port: 7700 } })).toEqual([expect.stringMatching(/must be four different ports/)]);
  });

  it('accepts upstash with its URL and token Secret', () => {
    const c = resolveInjectionConfig([base, { cache: { backend: 'upstash', upstashUrl: 'https://eu1.upstash.io', upstashSecret: { name: 'upstash', key: 'token' } } }]);
    expect(c.cache).toMatchObject({ backend: 'upstash', upstashUrl: 'https://eu1.upstash.io', upstashSecret: { name: 'upstash', key: 'token' } });
  });
});
