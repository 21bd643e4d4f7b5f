import { secrets } from '#pkg/log/index.ts';
import { Gateway, type GatewayObserver } from './gateway.ts';
import type { LLMProvider, ProviderName } from './provider.ts';
import { AnthropicProvider } from './providers/anthropic.ts';
import { MockProvider } from './providers/mock.ts';
import { OpenAIProvider } from './providers/openai.ts';
import { createPooledFetch } from './providers/pooled-fetch.ts';
import { Passthrough, type PassthroughTarget } from './passthrough.ts';
import { createRotation, ProviderBreaker, type BreakerState } from './resilience/breaker.ts';
import { Router, type Aliases } from './router.ts';
import { buildProvider, LatencyTracker, ObservedBreaker, passthroughTarget, UpstreamRouting, type RoutingMode, type UpstreamSettings } from './upstreams/index.ts';

/** Everything the LLM layer needs, already validated (cmd/llm-proxy maps the environment onto it). */
export interface LlmSettings {
  /** Provider for models no rule claims. */
  defaultProvider: ProviderName;
  openai?: { apiKey: string; baseURL?: string };
  anthropic?: { apiKey: string; baseURL?: string };
  /** Whether the mock provider is available (always outside production). */
  mock: boolean;
  /** Delay between the mock's streamed tokens, ms. Default 0. */
  mockTokenDelayMs?: number;
  aliases?: Aliases;
  fallback?: ProviderName[];
  retry?: { maxAttempts?: number; baseMs?: number; capMs?: number };
  timeoutMs?: number;
  /** Longest deadline a caller may ask for with `x-stainless-timeout`. Default 600000 (`LLM_MAX_TIMEOUT_MS`). */
  maxTimeoutMs?: number;
  attemptTimeoutMs?: number;
  streamIdleMs?: number;
  breaker?: { windowMs?: number; errorPct?: number; minRequests?: number; resetMs?: number };
  degradedMode?: 'error' | 'message';
  degradedMessage?: string;
  /** `max_tokens` sent to Anthropic when an OpenAI-dialect caller gives none. Default 4096. */
  defaultMaxTokens?: number;
  /** Pooled sockets per upstream origin. Default 128. */
  upstreamConnections?: number;
  /** Named upstreams (`LLM_UPSTREAMS`, pkg/llm/upstreams), beside the built-in providers. Default none. */
  upstreams?: UpstreamSettings[];
  /** How several upstreams serving one model share it: `weighted` (default) or `latency`, and the latter's exploring share (default 0.1). */
  routing?: { mode: RoutingMode; explore?: number };
  /** Uniform [0, 1) for the weighted and exploring picks. Default Math.random; tests seed it. */
  random?: () => number;
}

export interface LlmStack {
  gateway: Gateway;
  router: Router;
  providers: Map<ProviderName, LLMProvider>;
  breakers: Map<ProviderName, ProviderBreaker>;
  /** Raw forwarding to the providers with a key (passthrough.ts). */
  passthrough: Passthrough;
  close(): Promise<void>;
}

/** Builds providers (official SDKs on one pooled undici fetch), one breaker each, the router and the gateway. */
export function createLlmStack(s: LlmSettings, observer: GatewayObserver & { circuit?(p: string, st: BreakerState): void } = {}): LlmStack {
  // The keys are masked wherever a provider's text is passed on (relayed error bodies, messages), whoever built the stack.
  secrets.add(s.openai?.apiKey);
  secrets.add(s.anthropic?.apiKey);
  const pooled = createPooledFetch({ connections: s.upstreamConnections });
  const providers = new Map<ProviderName, LLMProvider>();
  // A backstop behind the proxy's own deadlines, which a caller may stretch up to maxTimeoutMs.
  const sdkTimeout = Math.max(s.timeoutMs ?? 600_000, s.maxTimeoutMs ?? 600_000, s.streamIdleMs ?? 60_000) + 60_000;
  if (s.openai) providers.set('openai', new OpenAIProvider({ ...s.openai, fetch: pooled.fetch, timeoutMs: sdkTimeout }));
  if (s.anthropic) providers.set('anthropic', new AnthropicProvider({ ...s.anthropic, fetch: pooled.fetch, defaultMaxTokens: s.defaultMaxTokens, timeoutMs: sdkTimeout }));
  if (s.mock) providers.set('mock', new MockProvider({ tokenDelayMs: s.mockTokenDelayMs }));
  const upstreams = s.upstreams ?? [];
  for (const u of upstreams) {
    secrets.add(u.apiKey);
    providers.set(u.name, buildProvider(u, { fetch: pooled.fetch, timeoutMs: sdkTimeout, defaultMaxTokens: s.defaultMaxTokens }));
  }
  const latency = new LatencyTracker();
  const named = new Set(upstreams.map((u) => u.name));

  const windowMs = s.breaker?.windowMs ?? 30_000;
  const rotation = createRotation(windowMs);
  const breakers = new Map<ProviderName, ProviderBreaker>();
  for (const name of providers.keys()) {
    const options = { ...s.breaker, windowMs, rotate: rotation.emitter, onState: (st: BreakerState) => observer.circuit?.(name, st) };
    breakers.set(name, named.has(name) ? new ObservedBreaker(name, latency, options) : new ProviderBreaker(name, options));
    observer.circuit?.(name, 'closed');
  }
  const routing = upstreams.length ? new UpstreamRouting({
    upstreams, mode: s.routing?.mode, explore: s.routing?.explore, latency, random: s.random, allows: (n) => breakers.get(n)?.allows ?? true,
  }) : undefined;
  const router = new Router({ defaultProvider: s.defaultProvider, available: new Set(providers.keys()), aliases: s.aliases, fallback: s.fallback, upstreams: routing });
  const gateway = new Gateway({
    providers, breakers, observer,
    maxAttempts: s.retry?.maxAttempts, backoff: { baseMs: s.retry?.baseMs ?? 250, capMs: s.retry?.capMs ?? 8000 },
    timeoutMs: s.timeoutMs, maxTimeoutMs: s.maxTimeoutMs, attemptTimeoutMs: s.attemptTimeoutMs, streamIdleMs: s.streamIdleMs,
    attemptTimeouts: new Map(upstreams.flatMap((u) => (u.timeouts?.attemptMs ? [[u.name, u.timeouts.attemptMs] as const] : []))),
    degradedMode: s.degradedMode, degradedMessage: s.degradedMessage,
  });
  const targets: PassthroughTarget[] = [];
  if (s.openai) targets.push({ provider: 'openai', dialect: 'openai', baseURL: s.openai.baseURL ?? 'https://api.openai.com/v1', apiKey: s.openai.apiKey });
  if (s.anthropic) targets.push({ provider: 'anthropic', dialect: 'anthropic', baseURL: s.anthropic.baseURL ?? 'https://api.anthropic.com', apiKey: s.anthropic.apiKey });
  for (const u of upstreams) { const t = passthroughTarget(u); if (t) targets.push(t); }
  const passthrough = new Passthrough({ gateway, dispatcher: pooled.dispatcher, targets });
  return {
    gateway, router, providers, breakers, passthrough,
    close: async () => {
      rotation.stop();
      for (const b of breakers.values()) b.shutdown();
      await pooled.close();
    },
  };
}
