// prom-client ships no types for its collector files (default-metrics.ts says why they are imported).
declare module 'prom-client/lib/metrics/*.js' {
  import type { Registry } from 'prom-client';
  const collect: (registry: Registry, config: { eventLoopMonitoringPrecision?: number; register?: Registry }) => void;
  export default collect;
}
