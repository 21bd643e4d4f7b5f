import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '#pkg/http/index.ts';
import { GatewayError, LlmError, type Dialect, type Outcome, type Passthrough, type Router, type Gateway } from '#pkg/llm/index.ts';
import type { DialectAdapter } from './dialect.ts';
import { modelObject } from './models.ts';
import { callerRequestId, llmHeaders, NO_CALL } from './outcome.ts';
import { timingOf } from './server-timing.ts';

export interface ModelInfoContext {
  gateway: Gateway;
  router: Router;
  passthrough?: Passthrough;
  fail(res: ServerResponse, d: DialectAdapter, err: unknown, outcome: Outcome, requestId?: string): void;
}

const notFound = (id: string) => new LlmError('client', `model "${id}" not found on this proxy`, { code: 'model_not_found', param: 'model' });

/**
 * `GET /v1/models/{id}` in the caller's dialect. An alias or a model the proxy lists (`openai/gpt-4o-mini`, or plain
 * `gpt-4o-mini`) is answered from the routing table; the mock's models locally; any other id is asked of the
 * provider it routes to (`/models/{id}` on OpenAI, `/v1/models/{id}` on Anthropic) and its answer given in the
 * caller's shape. Unknown: 404 in the caller's dialect (the SDKs' NotFoundError).
 */
export async function serveModel(ctx: ModelInfoContext, req: IncomingMessage, res: ServerResponse, d: DialectAdapter, rawId: string): Promise<void> {
  const requestId = callerRequestId(req.headers['x-request-id']);
  if (requestId) res.setHeader('x-request-id', requestId);
  let id: string;
  try { id = decodeURIComponent(rawId); } catch { return ctx.fail(res, d, notFound(rawId), NO_CALL, requestId); }
  const listed = ctx.router.models().find((m) => m.id === id || (m.provider && m.id === `${m.provider}/${id}`));
  if (listed) return sendJson(res, 200, modelObject(d.name, id, listed.provider, listed.alias));
  let route;
  try { route = ctx.router.resolve(id); } catch { return ctx.fail(res, d, notFound(id), NO_CALL, requestId); }
  const first = route.candidates[0];
  const dialect = ctx.passthrough?.dialectOf(first.provider);
  if (!ctx.passthrough || !dialect) {
    // The mock serves any model in chat, but names only its own here.
    if (first.provider === 'mock' && /^mock($|-)/.test(first.model)) return sendJson(res, 200, modelObject(d.name, id, 'mock', false));
    return ctx.fail(res, d, notFound(id), NO_CALL, requestId);
  }
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(); };
  res.once('close', onClose);
  try {
    const path = `${dialect === 'openai' ? '' : '/v1'}/models/${encodeURIComponent(first.model)}`;
    const upstreamDone = timingOf(res)?.upstream();
    const answer = await ctx.passthrough.forward(first.provider, { method: 'GET', path, headers: req.headers, model: first.model }, ac.signal, { deadlineMs: ctx.gateway.deadlineFor(req.headers['x-stainless-timeout']) }).finally(() => upstreamDone?.());
    if (requestId) delete answer.headers['x-request-id'];
    const upstream = JSON.parse(answer.body!.toString('utf8')) as Record<string, unknown>;
    const body = dialect === d.name ? { ...upstream, id } : convert(upstream, d.name, id, first.provider);
    const headers: Record<string, string> = { ...answer.headers, ...llmHeaders(answer, false) };
    delete headers['content-length'];
    sendJson(res, 200, body, headers);
  } catch (err) {
    const g = err instanceof GatewayError ? err : undefined;
    const e = g?.error ?? (err instanceof LlmError ? err : new LlmError('malformed', `${first.provider}: malformed answer from the provider`, { provider: first.provider }));
    if (!(e instanceof LlmError) || e.kind !== 'aborted') ctx.fail(res, d, e, g?.outcome ?? NO_CALL, requestId);
  } finally {
    res.off('close', onClose);
  }
}

/** A provider's model object in the other dialect's shape. */
function convert(m: Record<string, unknown>, to: Dialect, id: string, provider: string): unknown {
  if (to === 'anthropic') {
    const created = typeof m.created === 'number' ? new Date(m.created * 1000).toISOString() : new Date(0).toISOString();
    return { type: 'model', id, display_name: typeof m.display_name === 'string' ? m.display_name : id, created_at: created };
  }
  const at = typeof m.created_at === 'string' ? Date.parse(m.created_at) : NaN;
  return { id, object: 'model', created: Number.isFinite(at) ? Math.floor(at / 1000) : 0, owned_by: provider };
}
