import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { Metrics } from '#pkg/metrics/index.ts';
import type { StatusByCode } from '#pkg/errors/index.ts';
import { createServer } from './server.ts';
import { sendJson, sendText, sendError } from './respond.ts';
import { methodNotAllowed, notFound } from './errors.ts';

export interface Readiness {
  ready: boolean;
  /** Reported as the JSON body of /readyz. */
  [key: string]: unknown;
}

export interface AdminOptions {
  metrics: Metrics;
  /** Default: ready once listening. */
  readiness?: () => Readiness | Promise<Readiness>;
  /** Extra GET routes by exact path, e.g. `/v1/status`. Values are returned as JSON. */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => unknown | Promise<unknown>>;
  /** The status for each code of the domain errors `routes` may throw; any other code is a 500. */
  statusByCode?: StatusByCode;
}

/**
 * The admin listener every binary exposes on 0.0.0.0: `/healthz` (the process
 * answers), `/readyz` (it can serve), `/metrics` (Prometheus text), plus
 * component routes.
 */
export function createAdminServer(options: AdminOptions): Server {
  const routes = options.routes ?? {};
  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const state = options.readiness ? await options.readiness() : { ready: true };
        return sendJson(res, state.ready ? 200 : 503, state);
      }
      if (path === '/metrics') return sendText(res, 200, await options.metrics.text(), options.metrics.contentType);
      const route = routes[path];
      if (!route) throw notFound();
      const body = await route(req, res);
      if (!res.headersSent) sendJson(res, 200, body);
    } catch (err) {
      sendError(res, err, undefined, options.statusByCode);
    }
  });
}
