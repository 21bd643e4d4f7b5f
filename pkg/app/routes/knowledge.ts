/**
 * `GET /api/knowledge/search` (uncached), `GET /api/knowledge/search-cached`
 * (through the cache sidecar, `X-Cache` on every answer) and `POST
 * /api/knowledge/reindex`. Both searches refuse the same inputs with the same
 * errors (parseSearchParams), before any cache or index work.
 */
import { Router, type RequestHandler } from 'express';
import { HttpError } from '#pkg/http/index.ts';
import { parseSearchParams, type KnowledgeBase } from '#pkg/knowledge/index.ts';
import type { Authenticator } from '../auth.ts';
import type { CachedSearch } from '../cached-search.ts';
import type { AppMetrics } from '../metrics.ts';
import { principalOf, requireRole } from '../rbac.ts';

const SEARCH_CACHED_ROUTE = '/api/knowledge/search-cached';

export interface KnowledgeRoutesDeps {
  auth: Authenticator;
  /** The `knowledge:read` budget. */
  rateLimit: RequestHandler;
  /** The `admin` budget, for reindex. */
  adminRateLimit: RequestHandler;
  /** The index once built; null while the first build runs (routes answer 503 `not_ready`). */
  knowledge: () => KnowledgeBase | null;
  cachedSearch: CachedSearch;
  metrics: AppMetrics;
}

export function knowledgeRoutes(deps: KnowledgeRoutesDeps): Router {
  const router = Router();
  const read = [requireRole(deps.auth, 'knowledge:read'), deps.rateLimit];
  const ready = (): KnowledgeBase => {
    const kb = deps.knowledge();
    if (!kb) throw new HttpError(503, 'not_ready', 'the knowledge index is still being built', { headers: { 'retry-after': '1' } });
    return kb;
  };

  router.get('/api/knowledge/search', ...read, (req, res) => {
    const params = parseSearchParams(req.query);
    res.json(ready().search(params.query, params.limit));
  });

  router.get(SEARCH_CACHED_ROUTE, ...read, async (req, res) => {
    const params = parseSearchParams(req.query);
    const kb = ready();
    const answer = await deps.cachedSearch.search(kb, params, principalOf(res).tenant);
    deps.metrics.cacheOutcome(SEARCH_CACHED_ROUTE, answer.cache);
    res.set('x-cache', answer.cache).json(answer.body);
  });

  router.post('/api/knowledge/reindex', requireRole(deps.auth, 'admin'), deps.adminRateLimit, async (_req, res) => {
    const result = await ready().reindex();
    res.json({ documents: result.documents, ms: Math.round(result.ms) });
  });
  return router;
}
