export { createAdminRouter, type AdminDeps } from './router.ts';
export { collectOverview, type Overview, type OverviewSources } from './sources.ts';
export { autoscalerReader, defaultKubeConfig, type AutoscalerReader } from './autoscalers.ts';
export { cacheRows, hitRatio, type CacheRouteRow, type OutcomeCounts } from './cache-outcomes.ts';
export { escapeHtml, isSameOrigin } from './safety.ts';
