/**
 * `POST /api/chat`: the body is checked before the stream opens (a bad body is
 * a plain 400), then the orchestrator's events go out as server-sent events.
 * A client that goes away aborts the run, which cancels the upstream call.
 */
import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { openSse, parseChatRequest, type ChatEvent, type ChatOrchestrator } from '#pkg/orchestrator/index.ts';
import type { FeatureFlags } from '#pkg/flags/index.ts';
import type { Authenticator } from '../auth.ts';
import type { AppMetrics } from '../metrics.ts';
import { principalOf, requireRole } from '../rbac.ts';

export interface ChatRoutesDeps {
  auth: Authenticator;
  rateLimit: RequestHandler;
  orchestrator: ChatOrchestrator;
  flags: FeatureFlags;
  metrics: AppMetrics;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function chatRoutes(deps: ChatRoutesDeps): Router {
  const router = Router();
  router.post('/api/chat', requireRole(deps.auth, 'chat:use'), deps.rateLimit, async (req, res) => {
    const request = parseChatRequest(req.body);
    const { tenant } = principalOf(res);
    const useMockProvider = !(await deps.flags.isEnabled('llm-real-provider', tenant));
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.set('x-request-id', requestId);
    const sse = openSse(res);
    let last: ChatEvent['type'] | undefined;
    try {
      await deps.orchestrator.run({ ...request, tenant, useMockProvider, signal: sse.signal, requestId }, (event) => {
        last = event.type;
        sse.send(event);
      });
    } finally {
      deps.metrics.chatEnded(sse.signal.aborted ? 'cancelled' : last === 'done' ? 'done' : 'error');
      sse.close();
    }
  });
  return router;
}
