/**
 * The admin page's routes: the sign-in form and session, the dashboard shell,
 * the overview JSON it polls, its static assets and bull-board, all behind
 * the `admin` role through the app's one requireRole wrapper.
 */
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Queue } from 'bullmq';
import type { KubeConfig } from '@kubernetes/client-node';
import { HttpError } from '#pkg/http/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { Authenticator } from '../auth.ts';
import { principalOf, requireRole } from '../rbac.ts';
import type { OutcomeCounts } from './cache-outcomes.ts';
import { autoscalerReader, defaultKubeConfig } from './autoscalers.ts';
import { bullBoardHandler } from './bull-board.ts';
import { ADMIN_BASE, ASSETS_PATH, QUEUES_PATH, dashboardPage, noQueuesPage, signInPage } from './pages.ts';
import { isSameOrigin } from './safety.ts';
import { collectOverview } from './sources.ts';

export interface AdminDeps {
  auth: Authenticator;
  logger: Logger;
  /** This pod's X-Cache counts per route (AppMetrics.cacheOutcomes). */
  cacheOutcomes: () => Record<string, Partial<OutcomeCounts>>;
  /** Admin listeners of the sources (AppConfig.admin). */
  urls: { cacheSidecarAdmin: string; llmProxyAdmin: string; workerHealth: string };
  /** Queues shown in bull-board; [] when the app has no Redis. */
  queues: Queue[];
  /** Namespace of the QueueAutoscalers shown; null: all the app may list. */
  k8sNamespace: string | null;
  /** undefined: client-node's default discovery when a cluster is configured; null: no cluster. */
  kubeConfig?: KubeConfig | null;
  /** Deadline of each source, per overview. Default 1000 ms. */
  fetchTimeoutMs?: number;
}

const LOGIN_PATH = `${ADMIN_BASE}/login`;
const SIGN_IN_FORM_LIMIT = '4kb';

export function createAdminRouter(deps: AdminDeps): Router {
  const { auth, logger } = deps;
  const router = express.Router();
  const kubeConfig = deps.kubeConfig === undefined ? defaultKubeConfig() : deps.kubeConfig;
  const sources = {
    cacheOutcomes: deps.cacheOutcomes,
    urls: deps.urls,
    autoscalers: kubeConfig ? autoscalerReader(kubeConfig, deps.k8sNamespace) : null,
    timeoutMs: deps.fetchTimeoutMs ?? 1000,
  };
  // The app parses forms already; parsing here too keeps the router whole on its own (body-parser skips a parsed body).
  const form = express.urlencoded({ extended: false, limit: SIGN_IN_FORM_LIMIT });
  const apiAdmin = requireRole(auth, 'admin');
  const pageAdmin = pageGuard(auth);

  router.use(ASSETS_PATH, express.static(fileURLToPath(new URL('./assets/', import.meta.url)), { index: false, maxAge: '5m' }));
  router.use(ADMIN_BASE, (req, res, next) => {
    if (!req.path.startsWith('/assets/')) {
      res.set('cache-control', 'no-store');
      // helmet's no-referrer makes a form POST carry `Origin: null`; same-origin keeps the
      // origin for this site's own requests (the sign-in check) and still sends nothing elsewhere.
      res.set('referrer-policy', 'same-origin');
    }
    next();
  });

  router.get(ADMIN_BASE, pageAdmin, (_req, res) => {
    res.type('html').send(dashboardPage(principalOf(res)));
  });

  router.get(LOGIN_PATH, (req, res) => {
    auth.authenticate(req)
      .then((p) => (p?.roles.has('admin') ? res.redirect(303, ADMIN_BASE) : sendSignIn(res, 200)))
      .catch(() => sendSignIn(res, 200));
  });

  router.post(LOGIN_PATH, form, (req, res) => {
    if (!isSameOrigin(req.headers)) {
      logger.warn({ ip: req.ip }, 'admin sign-in refused: the form was not sent from this host');
      return sendSignIn(res, 403, 'Sign-in refused: the form must be sent from this site.');
    }
    const key: unknown = (req.body as Record<string, unknown> | undefined)?.key;
    if (typeof key !== 'string' || key === '') return sendSignIn(res, 400, 'Enter an API key.');
    const principal = auth.signIn(key);
    if (!principal) {
      logger.warn({ ip: req.ip }, 'admin sign-in failed: unknown key');
      return sendSignIn(res, 401, 'Unknown API key.');
    }
    if (!principal.roles.has('admin')) {
      logger.warn({ principal: principal.id }, 'admin sign-in refused: the key lacks the admin role');
      return sendSignIn(res, 403, 'This key does not have the admin role.');
    }
    auth.issueSession(res, principal);
    logger.info({ principal: principal.id, tenant: principal.tenant }, 'admin signed in');
    res.redirect(303, ADMIN_BASE);
  });

  router.post(`${ADMIN_BASE}/logout`, form, (req, res) => {
    if (!isSameOrigin(req.headers)) return sendSignIn(res, 403, 'Sign-out refused: the form must be sent from this site.');
    auth.clearSession(res);
    res.redirect(303, LOGIN_PATH);
  });

  router.get(`${ADMIN_BASE}/api/overview`, apiAdmin, (_req, res, next) => {
    collectOverview(sources).then((overview) => res.json(overview), next);
  });

  const board = deps.queues.length > 0 ? bullBoardHandler(deps.queues, QUEUES_PATH) : null;
  router.use(QUEUES_PATH, pageAdmin, sessionWritesSameOrigin, (req, res, next) => {
    if (board) return board(req, res, next);
    res.status(404).type('html').send(noQueuesPage());
  });

  return router;
}

function sendSignIn(res: Response, status: number, message?: string): void {
  res.status(status).type('html').send(signInPage({ message }));
}

/**
 * requireRole for pages a person opens: no, expired or revoked credentials go
 * to the sign-in form (a stale cookie is cleared), a key without the role gets
 * the form with that reason; API clients get the usual JSON errors elsewhere.
 */
function pageGuard(auth: Authenticator): RequestHandler {
  const inner = requireRole(auth, 'admin', { onUnauthenticated: (_req, res) => res.redirect(303, LOGIN_PATH) });
  return (req: Request, res: Response, next: NextFunction) => {
    void inner(req, res, (err?: unknown) => {
      if (err instanceof HttpError && err.status === 401) {
        auth.clearSession(res);
        return res.redirect(303, LOGIN_PATH);
      }
      if (err instanceof HttpError && err.status === 403) return sendSignIn(res, 403, 'This key does not have the admin role.');
      next(err);
    });
  };
}

/**
 * bull-board's writes (retry, clean, pause) come from its page with the
 * session cookie: SameSite=Strict already keeps other sites' requests
 * cookieless, and this checks the origin as well. API keys in headers cannot
 * be sent by another site, so they pass.
 */
const sessionWritesSameOrigin: RequestHandler = (req, res, next) => {
  const write = req.method !== 'GET' && req.method !== 'HEAD';
  if (write && principalOf(res).via === 'session' && !isSameOrigin(req.headers)) {
    return next(new HttpError(403, 'cross_origin', 'queue changes must come from the admin page itself'));
  }
  next();
};
