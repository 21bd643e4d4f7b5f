export { parseUpstreams, UpstreamsError, UPSTREAM_KINDS, DEFAULT_AZURE_API_VERSION, DEFAULT_EXPLORE, type UpstreamSpec, type UpstreamSettings, type UpstreamsConfig, type UpstreamKind, type RoutingMode } from './spec.ts';
export { ModelTable, globToRegExp, type ServedModel } from './model-table.ts';
export { orderByLatency, orderByWeight, weightedPick, type Choice } from './balance.ts';
export { LatencyTracker, DEFAULT_LATENCY_ALPHA } from './latency.ts';
export { UpstreamRouting, type UpstreamRoutingOptions } from './routing.ts';
export { ObservedBreaker } from './observed-breaker.ts';
export { RenamedProvider } from './renamed-provider.ts';
export { buildProvider, passthroughTarget, dialectOfKind, type BuildOptions } from './build.ts';
