import type { Server } from 'node:http';
import { createAdminServer, createServer, listen, closeServer } from '../../pkg/http/index.ts';
import { createLogger, captureLogs, secrets, type CapturedLogs } from '../../pkg/log/index.ts';
import { Metrics } from '../../pkg/metrics/index.ts';
import { createLlmStack, LlmMetrics, type LlmSettings } from '../../pkg/llm/index.ts';
import { parseKeyMap } from '../../pkg/llm/keys/index.ts';
import { PriceTable } from '../../pkg/llm/pricing/index.ts';
import { parseCacheRules } from '../../pkg/llm/response-cache/index.ts';
import { createGovernance, createLlmHandler, type Governance } from '../../pkg/llmproxy/index.ts';
import type { GovernanceConfig } from '../../pkg/llmproxy/config.ts';

export interface GovernedProxy {
  url: string;
  adminUrl: string;
  metrics: Metrics;
  governance: Governance;
  logs: CapturedLogs;
  close(): Promise<void>;
}

export interface GovernedOptions {
  /** LLM_PROXY_KEYS as the map the Secret would hold. */
  keys?: Record<string, unknown>;
  callerTokens?: string[];
  redisUrl?: string;
  cacheRules?: unknown[];
  cacheSampled?: boolean;
  prices?: PriceTable;
  now?: () => number;
}

/** The proxy wired as cmd/llm-proxy wires it (with client keys, the response cache and the price table), in process. */
export async function startGovernedProxy(settings: LlmSettings, o: GovernedOptions = {}): Promise<GovernedProxy> {
  const logs = captureLogs();
  const logger = createLogger({ name: 'llm-proxy-test', destination: logs.stream, level: 'debug' });
  for (const k of Object.keys(o.keys ?? {})) secrets.add(k);
  const metrics = new Metrics({ defaultMetrics: false });
  const llmMetrics = new LlmMetrics(metrics);
  const stack = createLlmStack(settings, llmMetrics);
  const config: GovernanceConfig = {
    keys: parseKeyMap(o.keys ? JSON.stringify(o.keys) : ''), redisUrl: o.redisUrl ?? '',
    cacheRules: parseCacheRules(o.cacheRules ? JSON.stringify(o.cacheRules) : ''), cacheSampled: o.cacheSampled ?? false,
    cacheMaxTtlMs: 86_400_000, cacheMaxBytes: 64 * 1024 * 1024, prices: o.prices ?? PriceTable.load(),
  };
  const governance = createGovernance(config, metrics, { callerTokens: o.callerTokens, now: o.now, logger });
  const data: Server = createServer(createLlmHandler({ gateway: stack.gateway, router: stack.router, metrics: llmMetrics, logger, passthrough: stack.passthrough, callerTokens: o.callerTokens, governance }));
  const admin = createAdminServer({ metrics });
  await governance.ready();
  const port = await listen(data, 0, '127.0.0.1');
  const adminPort = await listen(admin, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}`, metrics, governance, logs,
    close: async () => {
      data.closeAllConnections();
      await closeServer(data, 100);
      await closeServer(admin, 100);
      await stack.close();
      await governance.close();
    },
  };
}

/** The value of one Prometheus series in `text` (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    const have = inner.split(',');
    if (want.every((w) => have.includes(w))) return Number(line.slice(line.indexOf('}') + 1).trim());
  }
  return 0;
}
