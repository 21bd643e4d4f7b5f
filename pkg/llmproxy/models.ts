import type { Dialect, Router } from '../llm/index.ts';

const CREATED = Math.floor(Date.now() / 1000);

/** GET /v1/models in the caller's dialect: the aliases and the concrete models the proxy routes. */
export function modelsBody(router: Router, dialect: Dialect): unknown {
  const models = router.models();
  if (dialect === 'anthropic') {
    const data = models.map((m) => ({ type: 'model', id: m.id, display_name: m.alias ? `${m.id} (alias)` : m.id, created_at: new Date(CREATED * 1000).toISOString() }));
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
  }
  return {
    object: 'list',
    data: models.map((m) => ({ id: m.id, object: 'model', created: CREATED, owned_by: m.alias ? 'pilotfish-alias' : m.provider ?? 'pilotfish' })),
  };
}
