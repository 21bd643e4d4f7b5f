/**
 * The overview's I/O: every source is asked at once, each under its own
 * deadline, and a source that fails or is late becomes `unreachable` with a
 * short reason, so the page always answers.
 */
import { cacheRows, type CacheRouteRow, type OutcomeCounts } from './cache-outcomes.ts';
import {
  autoscalersSummary, describeFailure, llmSummary, queuesSummary, sidecarSummary,
  type AutoscalersSummary, type LlmSummary, type QueuesSummary, type SidecarSummary, type Unreachable,
} from './overview.ts';
import type { AutoscalerReader } from './autoscalers.ts';

export interface OverviewSources {
  cacheOutcomes: () => Record<string, Partial<OutcomeCounts>>;
  urls: { cacheSidecarAdmin: string; llmProxyAdmin: string; workerHealth: string };
  autoscalers: AutoscalerReader | null;
  timeoutMs: number;
}

export interface Overview {
  generatedAt: string;
  cache: { routes: CacheRouteRow[] };
  sidecar: SidecarSummary | Unreachable;
  llm: LlmSummary | Unreachable;
  queues: QueuesSummary | Unreachable;
  autoscalers: AutoscalersSummary;
}

export async function collectOverview(sources: OverviewSources, now = Date.now()): Promise<Overview> {
  const { urls, timeoutMs } = sources;
  const [sidecar, llm, queues, autoscalers] = await Promise.all([
    guarded(() => getJson(endpoint(urls.cacheSidecarAdmin, '/v1/status'), timeoutMs).then(sidecarSummary)),
    guarded(() => getJson(endpoint(urls.llmProxyAdmin, '/v1/status'), timeoutMs).then(llmSummary)),
    guarded(() => getJson(endpoint(urls.workerHealth, '/v1/queues'), timeoutMs).then(queuesSummary)),
    sources.autoscalers ? readAutoscalers(sources.autoscalers, timeoutMs) : Promise.resolve<AutoscalersSummary>({ status: 'none', cluster: 'none' }),
  ]);
  return { generatedAt: new Date(now).toISOString(), cache: { routes: cacheRows(sources.cacheOutcomes()) }, sidecar, llm, queues, autoscalers };
}

async function readAutoscalers(reader: AutoscalerReader, timeoutMs: number): Promise<AutoscalersSummary> {
  try {
    return autoscalersSummary(await withTimeout(reader.list(), timeoutMs), reader.namespace);
  } catch (err) {
    return { status: 'unreachable', cluster: 'unreachable', error: describeFailure(err) };
  }
}

async function guarded<T>(read: () => Promise<T>): Promise<T | Unreachable> {
  try {
    return await read();
  } catch (err) {
    return { status: 'unreachable', error: describeFailure(err) };
  }
}

/** `base` may carry a path prefix (`http://worker:9464/x`): the status path is appended to it. */
function endpoint(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
  if (!res.ok) {
    await res.body?.cancel();
    throw Object.assign(new Error('status'), { status: res.status });
  }
  return res.json();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
