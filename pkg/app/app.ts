/**
 * The express app: helmet on every route (cached or not: the cache only adds
 * its own headers), request metrics, health and metrics endpoints, the API
 * routers, the admin router, and one error mapping. Everything it uses is
 * passed in, so tests build it around real parts of their choosing.
 */
import express, { type Express, type Request, type Router } from 'express';
import helmet from 'helmet';
import cookieParser from 'cookie-parser';
import type { Logger } from '#pkg/log/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import type { AppMetrics } from './metrics.ts';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  appMetrics: AppMetrics;
  /** Signs the admin session cookie. */
  sessionSecret: string;
  /** express's `trust proxy` (hops or subnets); empty: off. */
  trustProxy?: string;
  /** `/readyz` answers 200 once this is true. */
  ready: () => boolean;
  routers: Router[];
}

/** JSON bodies up to the render job's limits (200 k template + 1 M data) with room for the envelope. */
const JSON_LIMIT = '2mb';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy) app.set('trust proxy', trustProxyValue(deps.trustProxy));
  app.use(helmet());
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      deps.appMetrics.request(routeOf(req), req.method, res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  });
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', (_req, res) => {
    if (deps.ready()) res.json({ ready: true });
    else res.status(503).json({ ready: false, error: { code: 'not_ready', message: 'the knowledge index is still being built' } });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.text());
  });
  app.use(express.json({ limit: JSON_LIMIT }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(cookieParser(deps.sessionSecret));
  for (const router of deps.routers) app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}

/** The matched route's pattern, never the raw path (an id in the path would explode the label set). */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}
