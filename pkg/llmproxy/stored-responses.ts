import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '#pkg/http/index.ts';
import { GatewayError, LlmError, type Gateway, type Outcome, type Passthrough } from '#pkg/llm/index.ts';
import { openaiDialect, type DialectAdapter } from './dialect.ts';
import { callerRequestId, llmHeaders, NO_CALL } from './outcome.ts';
import { relayAnswer } from './relay.ts';
import { timingOf } from './server-timing.ts';

export interface StoredResponsesContext {
  gateway: Gateway;
  passthrough?: Passthrough;
  limit: number;
  fail(res: ServerResponse, d: DialectAdapter, err: unknown, outcome: Outcome, requestId?: string): void;
}

/** `/v1/responses/{id}` and what hangs below it: retrieve, delete, `/cancel`, `/input_items`. */
export const STORED_RESPONSE_PATH = /^\/(?:v1\/)?responses\/[^/]+(?:\/cancel|\/input_items)?$/;

/**
 * A stored response (`GET`, `DELETE /v1/responses/{id}`, `POST …/cancel`, `GET …/input_items`) is state only
 * OpenAI keeps: the request goes raw to the OpenAI provider, query included. A replayed stream (`?stream=true`)
 * comes back whole, once OpenAI has sent it all (a stored response is finished: nothing to wait for).
 * Responses the proxy translated for another provider were never stored: OpenAI answers their ids with a 404.
 */
export async function serveStoredResponse(ctx: StoredResponsesContext, req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> {
  const requestId = callerRequestId(req.headers['x-request-id']);
  if (requestId) res.setHeader('x-request-id', requestId);
  const method = req.method === 'DELETE' ? 'DELETE' : req.method === 'POST' ? 'POST' : 'GET';
  const passthrough = ctx.passthrough;
  if (!passthrough || passthrough.dialectOf('openai') !== 'openai') {
    return ctx.fail(res, openaiDialect, new LlmError('client', 'stored responses are kept by OpenAI, and this proxy has no OpenAI provider', { code: 'not_found' }), NO_CALL, requestId);
  }
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(); };
  res.once('close', onClose);
  try {
    const body = method === 'POST' ? await readBody(req, ctx.limit) : undefined;
    const upstreamPath = `${path.replace(/^\/v1/, '')}${query ? `?${query}` : ''}`;
    const upstreamDone = timingOf(res)?.upstream();
    const answer = await passthrough.forward('openai', { method, path: upstreamPath, headers: req.headers, body: body?.length ? body : undefined }, ac.signal, { deadlineMs: ctx.gateway.deadlineFor(req.headers['x-stainless-timeout']) }).finally(() => upstreamDone?.());
    if (requestId) delete answer.headers['x-request-id'];
    relayAnswer(res, answer, llmHeaders(answer, false));
  } catch (err) {
    const g = err instanceof GatewayError ? err : undefined;
    const e = g?.error ?? err;
    if (!(e instanceof LlmError) || e.kind !== 'aborted') ctx.fail(res, openaiDialect, e, g?.outcome ?? NO_CALL, requestId);
  } finally {
    res.off('close', onClose);
  }
}
