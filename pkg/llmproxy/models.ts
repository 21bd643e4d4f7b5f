import type { Dialect, ProviderName, Router } from '#pkg/llm/index.ts';

const CREATED = Math.floor(Date.now() / 1000);

/** One model in the caller's dialect: OpenAI `{id, object, created, owned_by}`, Anthropic `{type, id, display_name, created_at}`. */
export function modelObject(dialect: Dialect, id: string, provider: ProviderName | undefined, alias: boolean): Record<string, unknown> {
  if (dialect === 'anthropic') return { type: 'model', id, display_name: alias ? `${id} (alias)` : id, created_at: new Date(CREATED * 1000).toISOString() };
  return { id, object: 'model', created: CREATED, owned_by: alias ? 'pilotfish-alias' : provider ?? 'pilotfish' };
}

/** GET /v1/models in the caller's dialect: the aliases and the concrete models the proxy routes. */
export function modelsBody(router: Router, dialect: Dialect): unknown {
  const data = router.models().map((m) => modelObject(dialect, m.id, m.provider, m.alias));
  if (dialect === 'anthropic') return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
  return { object: 'list', data };
}
