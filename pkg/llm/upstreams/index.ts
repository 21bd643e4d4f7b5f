export { parseUpstreams, UpstreamsError, type UpstreamSpec, type UpstreamSettings, type UpstreamsConfig, type UpstreamKind, type RoutingMode } from './spec.ts';
export type { ServedModel } from './model-table.ts';
export { LatencyTracker } from './latency.ts';
export { UpstreamRouting, type UpstreamRoutingOptions } from './routing.ts';
export { ObservedBreaker } from './observed-breaker.ts';
export { buildProvider, passthroughTarget, type BuildOptions } from './build.ts';
