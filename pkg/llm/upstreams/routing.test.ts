import { describe, expect, it } from 'vitest';
import { Router } from '../router.ts';
import { LatencyTracker } from './latency.ts';
import { UpstreamRouting } from './routing.ts';

/** A deterministic stream of draws for the weighted and exploring picks. */
const draws = (...xs: number[]) => { let i = 0; return () => xs[i++ % xs.length]; };

const upstreams = [
  { name: 'vllm', models: ['meta-llama/*'], weight: 3 },
  { name: 'vllm-2', models: ['meta-llama/*'], weight: 1 },
  { name: 'azure', models: ['gpt-4o'], weight: 1 },
];
const available = new Set(['openai', 'anthropic', 'mock', 'vllm', 'vllm-2', 'azure']);
const router = (routing: UpstreamRouting) => new Router({
  defaultProvider: 'openai', available, fallback: ['mock'], upstreams: routing,
  aliases: { llama: { vllm: 'meta-llama/Llama-3.1-8B', anthropic: 'claude-3-5-haiku-latest' } },
});

describe('Router with named upstreams', () => {
  it('routes by exact id and glob, before the built-in prefixes, and keeps the other servers and LLM_FALLBACK as fallbacks', () => {
    const r = router(new UpstreamRouting({ upstreams, random: draws(0.1) }));
    expect(r.resolve('gpt-4o').candidates).toEqual([{ provider: 'azure', model: 'gpt-4o' }, { provider: 'mock', model: 'gpt-4o' }]);
    expect(r.resolve('meta-llama/Llama-3.1-8B').candidates).toEqual([
      { provider: 'vllm', model: 'meta-llama/Llama-3.1-8B' }, { provider: 'vllm-2', model: 'meta-llama/Llama-3.1-8B' }, { provider: 'mock', model: 'meta-llama/Llama-3.1-8B' },
    ]);
    // A model no upstream lists still follows the built-in rules.
    expect(r.resolve('gpt-4o-mini').candidates[0]).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
  });

  it('takes `name/` as a prefix only when it names an upstream: a vLLM id with a slash is a model', () => {
    const r = router(new UpstreamRouting({ upstreams, random: draws(0.1) }));
    expect(r.resolve('vllm-2/meta-llama/Llama-3.1-8B').candidates[0]).toEqual({ provider: 'vllm-2', model: 'meta-llama/Llama-3.1-8B' });
    expect(r.resolve('mistralai/Mistral-7B').candidates[0]).toEqual({ provider: 'openai', model: 'mistralai/Mistral-7B' });
    expect(r.resolve('gpt-4o', 'vllm').candidates[0]).toEqual({ provider: 'vllm', model: 'gpt-4o' });
    expect(() => r.resolve('gpt-4o', 'nope')).toThrow(expect.objectContaining({ kind: 'invalid_request', param: 'x-llm-provider' }));
  });

  it('maps an alias onto a named upstream', () => {
    const r = router(new UpstreamRouting({ upstreams, random: draws(0.1) }));
    expect(r.resolve('llama').candidates[0]).toEqual({ provider: 'vllm', model: 'meta-llama/Llama-3.1-8B' });
  });

  it('spreads by weight: the draw decides the first choice', () => {
    const r = router(new UpstreamRouting({ upstreams, random: draws(0.74, 0.76) }));
    expect(r.resolve('meta-llama/x').candidates[0].provider).toBe('vllm');
    expect(r.resolve('meta-llama/x').candidates[0].provider).toBe('vllm-2');
  });

  it('puts an upstream whose breaker is open behind the others', () => {
    const r = router(new UpstreamRouting({ upstreams, random: draws(0), allows: (n) => n !== 'vllm' }));
    expect(r.resolve('meta-llama/x').candidates.map((c) => c.provider)).toEqual(['vllm-2', 'vllm', 'mock']);
  });

  it('under routing: latency prefers the lower average', () => {
    const latency = new LatencyTracker();
    latency.observe('vllm', 40);
    latency.observe('vllm-2', 4);
    const r = router(new UpstreamRouting({ upstreams, mode: 'latency', latency, random: draws(0.5) }));
    expect(r.resolve('meta-llama/x').candidates[0].provider).toBe('vllm-2');
  });

  it('lists the upstreams\' exact models', () => {
    expect(router(new UpstreamRouting({ upstreams })).models().map((m) => m.id)).toContain('azure/gpt-4o');
  });
});
