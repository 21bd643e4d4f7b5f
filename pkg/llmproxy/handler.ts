import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, parseJson, readBody, sendJson, type Handler } from '../http/index.ts';
import type { Logger } from '../log/index.ts';
import { GatewayError, LlmError, type Gateway, type LlmMetrics, type Outcome, type Router, type Usage } from '../llm/index.ts';
import { anthropicDialect, openaiDialect, type DialectAdapter } from './dialect.ts';
import { modelsBody } from './models.ts';
import { SSE_HEADERS, writeFrame } from './sse.ts';

export interface LlmHandlerOptions {
  gateway: Gateway;
  router: Router;
  metrics: LlmMetrics;
  logger: Logger;
  /** Largest request body in bytes. Default 4 MiB (`LLM_MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
}

const NO_CALL: Outcome = { provider: 'none', model: '', attempts: 0, fallback: false, degraded: false };

function llmHeaders(o: Outcome, final: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'x-llm-provider': o.provider,
    'x-llm-model': o.model,
    'x-llm-attempts': String(o.attempts),
    'x-llm-fallback': o.fallback ? 'true' : 'false',
  };
  if (o.degraded) h['x-llm-degraded'] = 'true';
  // The proxy already retried and failed over: tell the calling SDK not to multiply attempts.
  if (final) h['x-should-retry'] = 'false';
  return h;
}

/** The status a final failure answers with: the caller's own mistakes keep theirs, provider failures are 503. */
function statusOf(e: LlmError): number {
  return e.kind === 'invalid_request' || e.kind === 'client' ? e.status : 503;
}

/**
 * The data API: `POST /v1/chat/completions` (OpenAI dialect), `POST
 * /v1/messages` (Anthropic dialect), `GET /v1/models`. Plain node:http, no
 * framework on the hot path.
 */
export function createLlmHandler(options: LlmHandlerOptions): Handler {
  const { gateway, router, metrics, logger } = options;
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;

  const fail = (res: ServerResponse, d: DialectAdapter, err: unknown, outcome: Outcome, requestId?: string) => {
    if (!(err instanceof LlmError) && !(err instanceof HttpError)) logger.error({ err }, 'unexpected error in the llm handler');
    const e = err instanceof LlmError ? err : err instanceof HttpError ? new LlmError('invalid_request', err.message, { status: err.status }) : new LlmError('network', 'internal error');
    const status = statusOf(e);
    if (status >= 500) logger.warn({ kind: e.kind, provider: outcome.provider, attempts: outcome.attempts, reason: e.message, requestId }, 'llm request failed');
    if (res.headersSent || res.destroyed) return;
    const code = err instanceof HttpError ? err.code : e.kind;
    sendJson(res, status, d.errorBody(status, code, e.message, e.param), llmHeaders(outcome, true));
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, d: DialectAdapter) => {
    const t0 = performance.now();
    const rid = req.headers['x-request-id'];
    const requestId = typeof rid === 'string' && rid.length <= 200 ? rid : undefined;
    if (requestId) res.setHeader('x-request-id', requestId);
    let parsed: ReturnType<DialectAdapter['parse']>;
    let route;
    try {
      parsed = d.parse(parseJson(await readBody(req, limit)));
      const beta = req.headers['anthropic-beta'];
      if (typeof beta === 'string' && beta) parsed.request.anthropicBeta = beta;
      const forced = req.headers['x-llm-provider'];
      route = router.resolve(parsed.request.model, typeof forced === 'string' && forced ? forced.toLowerCase() : undefined);
    } catch (err) {
      metrics.request('none', 'none', d.name, 'client_error', (performance.now() - t0) / 1000);
      return fail(res, d, err, NO_CALL);
    }
    const requested = parsed.request.model;
    const ac = new AbortController();
    const onClose = () => { if (!res.writableFinished) ac.abort(); };
    res.once('close', onClose);
    const span = metrics.startSpan(requested, d.name);
    if (!parsed.stream) {
      try {
        const r = await gateway.complete(parsed.request, route, ac.signal);
        const model = r.response.model || r.model;
        sendJson(res, 200, d.response(r.response, model), llmHeaders(r, false));
        metrics.request(r.provider, r.model, d.name, r.degraded ? 'degraded' : 'success', (performance.now() - t0) / 1000);
        metrics.tokens(r.provider, r.model, r.degraded ? undefined : r.response.usage);
        metrics.endSpan(span, r.provider, model, r.response.usage);
      } catch (err) {
        const g = err instanceof GatewayError ? err : undefined;
        const e = g?.error ?? err;
        const outcome = g?.outcome ?? NO_CALL;
        const kind = e instanceof LlmError ? e.kind : 'internal';
        metrics.request(outcome.provider, outcome.model || requested, d.name, kind === 'aborted' ? 'aborted' : kind === 'client' ? 'client_error' : 'error', (performance.now() - t0) / 1000);
        metrics.endSpan(span, outcome.provider, outcome.model, undefined, kind);
        if (kind !== 'aborted') fail(res, d, e, outcome, requestId);
      } finally {
        res.off('close', onClose);
      }
      return;
    }
    await stream(req, res, d, parsed, route, ac, t0, span, onClose, requestId);
  };

  const stream = async (
    _req: IncomingMessage, res: ServerResponse, d: DialectAdapter, parsed: ReturnType<DialectAdapter['parse']>,
    route: ReturnType<Router['resolve']>, ac: AbortController, t0: number, span: ReturnType<LlmMetrics['startSpan']>, onClose: () => void,
    requestId: string | undefined,
  ) => {
    let open;
    try {
      open = await gateway.openStream(parsed.request, route, ac.signal);
    } catch (err) {
      res.off('close', onClose);
      const g = err instanceof GatewayError ? err : undefined;
      const e = g?.error ?? err;
      const outcome = g?.outcome ?? NO_CALL;
      const kind = e instanceof LlmError ? e.kind : 'internal';
      metrics.request(outcome.provider, outcome.model || parsed.request.model, d.name, kind === 'aborted' ? 'aborted' : kind === 'client' ? 'client_error' : 'error', (performance.now() - t0) / 1000);
      metrics.endSpan(span, outcome.provider, outcome.model, undefined, kind);
      if (kind !== 'aborted') fail(res, d, e, outcome, requestId);
      return;
    }
    // Past this point the first byte goes out: no more retry or fallback, failures become error events.
    const stop = () => open.close();
    ac.signal.addEventListener('abort', stop, { once: true });
    const model = open.first.type === 'start' && open.first.model ? open.first.model : open.model;
    const enc = d.encoder(model, parsed.includeUsage);
    res.writeHead(200, { ...SSE_HEADERS, ...llmHeaders(open, false) });
    let usage: Usage | undefined;
    let outcome: 'success' | 'degraded' | 'error' | 'aborted' = open.degraded ? 'degraded' : 'success';
    let errorKind: string | undefined;
    try {
      const w = writeFrame(res, enc.encode(open.first));
      // node:http corks the socket until the next tick and so would hold the first token back while the
      // rest of the upstream chunk is decoded: send it now. Later frames of one tick still leave together.
      if (res.socket?.writableCorked) res.socket.uncork();
      metrics.firstToken(open.provider, open.model, d.name, (performance.now() - t0) / 1000);
      if (w) await w;
      for (;;) {
        const n = await open.rest.next();
        if (n.done) break;
        if (n.value.type === 'end') usage = n.value.usage;
        const p = writeFrame(res, enc.encode(n.value));
        if (p) await p;
      }
      res.end();
    } catch (err) {
      const e = err instanceof LlmError ? err : new LlmError('network', 'stream failed');
      if (ac.signal.aborted || res.destroyed) {
        outcome = 'aborted';
      } else {
        outcome = 'error';
        errorKind = e.kind;
        logger.warn({ kind: e.kind, provider: open.provider, requestId }, 'llm stream failed after its first byte');
        res.end(enc.error(`upstream stream failed: ${e.message}`, e.kind));
      }
    } finally {
      ac.signal.removeEventListener('abort', stop);
      res.off('close', onClose);
      open.close();
    }
    metrics.request(open.provider, open.model, d.name, outcome, (performance.now() - t0) / 1000);
    metrics.tokens(open.provider, open.model, open.degraded ? undefined : usage);
    metrics.endSpan(span, open.provider, model, usage, errorKind);
  };

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/v1/chat/completions' || path === '/chat/completions') {
      if (req.method === 'POST') return serve(req, res, openaiDialect);
      return fail(res, openaiDialect, new HttpError(405, 'method_not_allowed', 'use POST'), NO_CALL);
    }
    if (path === '/v1/messages') {
      if (req.method === 'POST') return serve(req, res, anthropicDialect);
      return fail(res, anthropicDialect, new HttpError(405, 'method_not_allowed', 'use POST'), NO_CALL);
    }
    const anthropicCaller = req.headers['anthropic-version'] !== undefined;
    if (path === '/v1/models' && (req.method === 'GET' || req.method === 'HEAD')) {
      return sendJson(res, 200, modelsBody(router, anthropicCaller ? 'anthropic' : 'openai'));
    }
    const d = anthropicCaller ? anthropicDialect : openaiDialect;
    fail(res, d, new HttpError(404, 'not_found', `no route ${req.method} ${path}; use POST /v1/chat/completions, POST /v1/messages or GET /v1/models`), NO_CALL);
  };
}
