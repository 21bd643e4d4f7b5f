import type { Dialect } from '../canonical.ts';
import type { PassthroughTarget } from '../passthrough.ts';
import type { LLMProvider } from '../provider.ts';
import { AnthropicProvider } from '../providers/anthropic.ts';
import { OpenAICompatibleProvider } from '../providers/openai-compatible.ts';
import { RenamedProvider } from './renamed-provider.ts';
import type { UpstreamSettings } from './spec.ts';

export interface BuildOptions {
  fetch: typeof fetch;
  /** The SDK backstop timeout (factory.ts). */
  timeoutMs: number;
  defaultMaxTokens?: number;
}

/** The wire dialect of an upstream kind. */
function dialectOfKind(kind: UpstreamSettings['kind']): Dialect {
  return kind === 'anthropic' ? 'anthropic' : 'openai';
}

/** The provider that serves translated calls (and the mock-free canonical path) for one named upstream. */
export function buildProvider(u: UpstreamSettings, o: BuildOptions): LLMProvider {
  if (u.kind === 'anthropic') {
    return new RenamedProvider(u.name, new AnthropicProvider({ apiKey: u.apiKey ?? '', baseURL: u.baseURL, fetch: o.fetch, timeoutMs: o.timeoutMs, defaultMaxTokens: o.defaultMaxTokens }));
  }
  return new OpenAICompatibleProvider({ name: u.name, kind: u.kind, baseURL: u.baseURL, apiKey: u.apiKey, apiVersion: u.apiVersion, headers: u.headers, fetch: o.fetch, timeoutMs: o.timeoutMs });
}

/**
 * The raw pass-through target of one named upstream, for callers of its dialect. Azure has none: its
 * deployment path and `api-version` are the SDK's to build, so Azure calls always go through the provider.
 */
export function passthroughTarget(u: UpstreamSettings): PassthroughTarget | undefined {
  if (u.kind === 'azure-openai') return undefined;
  const headers = u.headers ? Object.fromEntries(Object.entries(u.headers).map(([k, v]) => [k.toLowerCase(), v])) : undefined;
  return { provider: u.name, dialect: dialectOfKind(u.kind), baseURL: u.baseURL, apiKey: u.apiKey ?? '', headers };
}
