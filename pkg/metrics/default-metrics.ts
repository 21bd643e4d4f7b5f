/**
 * Node's process metrics: prom-client's default collectors (`process_*`,
 * `nodejs_*`), with or without the garbage-collection histogram
 * `nodejs_gc_duration_seconds`.
 *
 * Why a process may go without it: the histogram observes Node's `gc`
 * performance entries, and Node builds every entry, one per collection, with
 * two `util.deprecate` wrappers (the DEP0152 `kind` and `flags` getters)
 * whether or not anyone reads them. A process whose young generation is kept
 * small collects some 300 times a second under load: in the cache sidecar,
 * the observer alone cost 14 % of the server CPU per GET hit (bench/journal.md,
 * 2026-12-03). Every other default metric costs nothing per request.
 *
 * prom-client's `collectDefaultMetrics` cannot leave one collector out, so
 * without GC the collectors are called one by one from prom-client's
 * `lib/metrics/` files, which are not its public API. prom-client is pinned to
 * an exact version for this; default-metrics.test.ts fails by name when an
 * upgrade adds, drops or moves a collector. With GC the public function runs.
 */
import client from 'prom-client';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import version from 'prom-client/lib/metrics/version.js';

/** prom-client's default collectors but `gc`, by the names of `collectDefaultMetrics.metricsList`. */
export const COLLECTORS_BUT_GC = {
  processCpuTotal, processStartTime, osMemoryHeap, processOpenFileDescriptors, processMaxFileDescriptors,
  eventLoopLag, processResources, processHandles, processRequests, heapSizeAndUsed, heapSpacesSizeAndUsed, version,
};

/** The metric prom-client's `gc` collector registers. */
export const GC_METRIC = 'nodejs_gc_duration_seconds';

export function collectProcessMetrics(registry: client.Registry, options: { gc: boolean }): void {
  if (options.gc) return client.collectDefaultMetrics({ register: registry });
  // The defaults collectDefaultMetrics applies before it calls each collector.
  const config = { eventLoopMonitoringPrecision: 10, register: registry };
  for (const collect of Object.values(COLLECTORS_BUT_GC)) collect(registry, config);
}
