import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, parseJson, readBody, sendJson, type Handler } from '#pkg/http/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import {
  collect, isProviderName, LlmError, translatedHeaders, type CandidateCall, type Gateway, type LlmMetrics, type Outcome, type Passthrough, type RawAnswer, type Request, type Response,
  type Router, type Route, type StreamEvent, type StreamOpen, type Usage,
} from '#pkg/llm/index.ts';
import { callerCheck } from './caller-auth.ts';
import { anthropicDialect, openaiDialect, peek, type DialectAdapter, type Peeked } from './dialect.ts';
import { routeEndpoint } from './endpoints.ts';
import { callerRequestId, llmHeaders, NO_CALL, runFailure } from './outcome.ts';
import { openRelay, relayAnswer, relayFailure, relayStream, type RawStream } from './relay.ts';
import { failureStatus } from './failure-status.ts';
import type { Governance, Ticket } from './governance.ts';
import { createResponsesDialect } from './responses.ts';
import { timeServerResponse, timingOf, type TimingSink } from './server-timing.ts';
import { SSE_HEADERS, writeFrame } from './sse.ts';
import { chatWire, responsesWire, type RawWire } from './wire.ts';

export interface LlmHandlerOptions {
  gateway: Gateway;
  router: Router;
  metrics: LlmMetrics;
  logger: Logger;
  /** Raw forwarding (`stack.passthrough`): a caller whose dialect is the provider's is served byte for byte. Without it every call is translated. */
  passthrough?: Passthrough;
  /** Largest request body in bytes. Default 32 MiB (`LLM_MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
  /** `LLM_PROXY_TOKEN`: callers must send one of these as their API key; empty: no caller authentication. */
  callerTokens?: readonly string[];
  /** Client keys, tenants, the response cache and cost (governance.ts); when given it also checks `callerTokens`. */
  governance?: Governance;
}

/** What one candidate produced: a raw upstream answer (same dialect), a translated answer or stream, or nothing (degraded). */
type Served =
  | { kind: 'raw'; answer: RawAnswer; json?: unknown; stream?: RawStream }
  | { kind: 'response'; response: Response }
  | { kind: 'stream'; open: Omit<StreamOpen, keyof Outcome> }
  | { kind: 'degraded' };

type Parsed = ReturnType<DialectAdapter['parse']>;

/**
 * The data API: `POST /v1/chat/completions` (OpenAI dialect), `POST
 * /v1/messages` (Anthropic dialect) and `POST /v1/responses` (OpenAI
 * Responses), all also without `/v1`, served here; the other endpoints
 * (embeddings, completions, token counts, models, stored responses) in
 * endpoints.ts. Plain node:http, no framework on the hot path.
 *
 * A chat call reads only what routing, resilience and metrics need (model,
 * stream flag; usage from the answer). Each candidate of the route is then
 * served raw when it speaks the caller's dialect (the body goes on as it came,
 * with the mapped model; the answer comes back as bytes), or through the
 * canonical translation when it does not (the mock, the other dialect). A
 * Responses call is the same loop with its own tap and translation
 * (responses.ts, wire.ts).
 */
export function createLlmHandler(options: LlmHandlerOptions): Handler {
  const { gateway, router, metrics, logger, passthrough, governance } = options;
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;

  const fail = (res: ServerResponse, d: DialectAdapter, err: unknown, outcome: Outcome, requestId?: string) => {
    if (!(err instanceof LlmError) && !(err instanceof HttpError)) logger.error({ err }, 'unexpected error in the llm handler');
    const status = failureStatus(err);
    // The dialect's error body is written from an LlmError; an HttpError's own status is kept above.
    const e = err instanceof LlmError ? err
      : err instanceof HttpError ? new LlmError('invalid_request', err.message, { code: err.code, cause: err })
        : new LlmError('network', 'internal error');
    // The provider whose answer this is (for a 429 across the chain: the one with the earliest retry-after).
    const from = e.provider ?? outcome.provider;
    const providerDialect = isProviderName(from) ? passthrough?.dialectOf(from) : undefined;
    const headers = llmHeaders(outcome, true);
    if (requestId) headers['x-request-id'] = requestId; // the caller's own id wins over a relayed provider's
    relayFailure(res, d, e, status, headers, providerDialect);
    if (status >= 500) logger.warn({ kind: e.kind, provider: outcome.provider, attempts: outcome.attempts, reason: e.message, requestId }, 'llm request failed');
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, d: DialectAdapter, wire: RawWire) => {
    const t0 = performance.now();
    const requestId = callerRequestId(req.headers['x-request-id']);
    if (requestId) res.setHeader('x-request-id', requestId);
    let raw: Buffer;
    let p: Peeked;
    let route: Route;
    let parsed: Parsed | undefined;
    let ticket: Ticket | undefined;
    let hit: Response | undefined;
    const beta = req.headers['anthropic-beta'];
    const translated = (): Parsed => {
      if (parsed) return parsed;
      parsed = d.parse(p.body);
      if (typeof beta === 'string' && beta) parsed.request.anthropicBeta = beta;
      return parsed;
    };
    try {
      raw = await readBody(req, limit);
      p = peek(d.name, parseJson(raw));
      const forced = req.headers['x-llm-provider'];
      route = router.resolve(p.model, typeof forced === 'string' && forced ? forced.toLowerCase() : undefined);
      // A first choice that needs the translation validates the request now: a 400 before any provider is called.
      if (passthrough?.dialectOf(route.candidates[0].provider) !== d.name) translated();
      if (governance) {
        ticket = await governance.admit(req.headers, res, p.model, route);
        // Chat answers only: a Responses answer carries state the canonical answer does not.
        if (d === openaiDialect || d === anthropicDialect) hit = await governance.lookup(ticket, d.name, route, p.body, req.headers, res);
      }
    } catch (err) {
      metrics.request('none', 'none', d.name, 'client_error', (performance.now() - t0) / 1000);
      return fail(res, d, err, NO_CALL);
    }
    if (hit) {
      const model = hit.model || route.candidates[0].model;
      governance!.replay(res, d, hit, p.stream, p.includeUsage, llmHeaders({ provider: 'cache', model, attempts: 0, fallback: false, degraded: false }, false));
      metrics.request('cache', model, d.name, 'success', (performance.now() - t0) / 1000);
      return;
    }
    const ac = new AbortController();
    const onClose = () => { if (!res.writableFinished) ac.abort(); };
    res.once('close', onClose);
    const span = metrics.startSpan(p.model, d.name);
    // The proxy wants usage for its metrics; a caller who did not ask for it in its OpenAI stream does not see it.
    const addUsage = wire.asksUsage && p.stream && !p.includeUsage;
    const bodies = new Map<string, Buffer | string>();
    const call: CandidateCall<Served> = async (cand, provider, attempt) => {
      if (passthrough && passthrough.dialectOf(cand.provider) === d.name) {
        let body = bodies.get(cand.model);
        if (body === undefined) { body = rawBody(raw, p, cand.model, addUsage); bodies.set(cand.model, body); }
        const answer = await passthrough.attempt(cand.provider, { path: d.upstreamPath, headers: req.headers, body, stream: p.stream, model: cand.model }, attempt);
        // Still inside the attempt: an answer that is not JSON, or a stream whose first frame is not, is retried like any malformed answer.
        const malformed = () => new LlmError('malformed', `${cand.provider}: malformed answer from the provider`, { provider: cand.provider });
        if (!p.stream) {
          try { return { kind: 'raw', answer, json: JSON.parse(answer.body!.toString('utf8')) }; } catch { throw malformed(); }
        }
        const tap = wire.tap(addUsage);
        const stream = await openRelay(governance ? governance.recording(ticket, tap) : tap, answer);
        if (!stream) { answer.close(); throw malformed(); }
        return { kind: 'raw', answer, stream };
      }
      const base = translated().request;
      const r: Request = cand.model === base.model ? base : { ...base, model: cand.model };
      if (p.stream) return { kind: 'stream', open: await gateway.firstEvent(provider, r, attempt) };
      const response = await provider.complete(r, attempt.signal);
      attempt.release();
      return { kind: 'response', response };
    };

    let served: Served & Outcome;
    const upstreamDone = timingOf(res)?.upstream();
    try {
      served = await gateway.run(route, ac.signal, call, { deadlineMs: gateway.deadlineFor(req.headers['x-stainless-timeout']), stream: p.stream, degraded: () => ({ kind: 'degraded' }) });
    } catch (err) {
      upstreamDone?.();
      res.off('close', onClose);
      const { error, outcome, kind, result } = runFailure(err);
      metrics.request(outcome.provider, outcome.model || p.model, d.name, result, (performance.now() - t0) / 1000);
      metrics.endSpan(span, outcome.provider, outcome.model, undefined, kind);
      if (kind !== 'aborted') fail(res, d, error, outcome, requestId);
      return;
    }
    upstreamDone?.();
    const seconds = () => (performance.now() - t0) / 1000;
    if (served.kind === 'raw') {
      const answer = served.answer;
      // The caller's own x-request-id is echoed (log correlation); the provider's goes back when the caller sent none.
      if (requestId) delete answer.headers['x-request-id'];
      if (!p.stream) {
        res.off('close', onClose);
        relayAnswer(res, answer, llmHeaders(served, false));
        const usage = wire.usage(served.json);
        metrics.request(served.provider, served.model, d.name, 'success', seconds());
        metrics.tokens(served.provider, served.model, usage);
        governance?.settle(ticket, served.provider, served.model, usage, span);
        governance?.keepJson(ticket, d.name, served.provider, answer.status, served.json);
        metrics.endSpan(span, served.provider, served.model, usage);
        return;
      }
      const stop = () => answer.close();
      ac.signal.addEventListener('abort', stop, { once: true });
      const r = await relayStream(res, d, served.stream!, llmHeaders(served, false), () => metrics.firstToken(served.provider, served.model, d.name, seconds()));
      ac.signal.removeEventListener('abort', stop);
      res.off('close', onClose);
      if (r.outcome === 'error') logger.warn({ kind: r.errorKind, provider: served.provider, requestId }, 'llm stream failed after its first byte');
      metrics.request(served.provider, served.model, d.name, r.outcome, seconds());
      metrics.tokens(served.provider, served.model, r.usage);
      governance?.settle(ticket, served.provider, served.model, r.usage, span);
      governance?.keepRecorded(ticket, d.name, served.stream!.tap, r.outcome, r.usage);
      metrics.endSpan(span, served.provider, served.model, r.usage, r.errorKind);
      return;
    }
    if (!p.stream) {
      res.off('close', onClose);
      const response = served.kind === 'response' ? served.response : gateway.degradedResponse(p.model);
      const model = response.model || served.model;
      sendJson(res, 200, d.response(response, model), { ...idsFor(d, response.headers, requestId), ...llmHeaders(served, false) });
      metrics.request(served.provider, served.model, d.name, served.degraded ? 'degraded' : 'success', seconds());
      metrics.tokens(served.provider, served.model, served.degraded ? undefined : response.usage);
      if (!served.degraded) {
        governance?.settle(ticket, served.provider, served.model, response.usage, span);
        governance?.keep(ticket, response);
      }
      metrics.endSpan(span, served.provider, model, response.usage);
      return;
    }
    const open: StreamOpen = served.kind === 'stream' ? { ...served, ...served.open } : gateway.degradedStream(served, p.model);
    await translatedStream(res, d, open, translated().includeUsage, ac, t0, span, onClose, requestId, ticket);
  };

  /** A canonical stream encoded into the caller's dialect. */
  const translatedStream = async (
    res: ServerResponse, d: DialectAdapter, open: StreamOpen, includeUsage: boolean, ac: AbortController, t0: number,
    span: ReturnType<LlmMetrics['startSpan']>, onClose: () => void, requestId: string | undefined, ticket?: Ticket,
  ) => {
    // Only an answer the cache will keep is collected.
    const kept: StreamEvent[] | undefined = ticket?.plan && !open.degraded ? [open.first] : undefined;
    // Past this point the first byte goes out: no more retry or fallback, failures become error events.
    const stop = () => open.close();
    ac.signal.addEventListener('abort', stop, { once: true });
    const model = open.first.type === 'start' && open.first.model ? open.first.model : open.model;
    const enc = d.encoder(model, includeUsage);
    res.writeHead(200, { ...SSE_HEADERS, ...idsFor(d, open.first.type === 'start' ? open.first.headers : undefined, requestId), ...llmHeaders(open, false) });
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
        kept?.push(n.value);
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
    if (!open.degraded) governance?.settle(ticket, open.provider, open.model, usage, span);
    if (kept && outcome === 'success') governance!.keep(ticket, collect(kept));
    metrics.endSpan(span, open.provider, model, usage, errorKind);
  };

  const chat = { openai: chatWire('openai'), anthropic: chatWire('anthropic') };
  const responsesDialect = createResponsesDialect();
  const context = { gateway, router, metrics, passthrough, governance, limit, fail, warn: (fields: Record<string, unknown>, message: string) => logger.warn(fields, message) };

  const callerAllowed = governance ? (h: IncomingMessage['headers']) => governance.allowed(h) : callerCheck(options.callerTokens ?? []);

  // Every answer carries Server-Timing (server-timing.ts); the same split feeds the label-free overhead histograms.
  const onTiming: TimingSink = (t) => metrics.overhead(t.proxyMs / 1000, t.upstreamMs / 1000);

  return (req, res) => {
    timeServerResponse(res, onTiming);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!callerAllowed(req.headers)) {
      const caller = path.endsWith('/messages') || path.includes('/messages/') || req.headers['anthropic-version'] !== undefined ? anthropicDialect : openaiDialect;
      const what = governance ? 'a client key (LLM_PROXY_KEYS) or the proxy\'s token (LLM_PROXY_TOKEN)' : 'the proxy\'s token (LLM_PROXY_TOKEN)';
      return fail(res, caller, new HttpError(401, 'invalid_api_key', `send ${what} as your API key`), NO_CALL);
    }
    const post = (d: DialectAdapter, run: () => Promise<void>) => {
      if (req.method === 'POST') return run();
      return fail(res, d, new HttpError(405, 'method_not_allowed', 'use POST'), NO_CALL);
    };
    if (path === '/v1/chat/completions' || path === '/chat/completions') return post(openaiDialect, () => serve(req, res, openaiDialect, chat.openai));
    // Without /v1 too: @ai-sdk/anthropic takes ANTHROPIC_BASE_URL as given and posts to `${base}/messages`.
    if (path === '/v1/messages' || path === '/messages') return post(anthropicDialect, () => serve(req, res, anthropicDialect, chat.anthropic));
    if (path === '/v1/responses' || path === '/responses') return post(responsesDialect, () => serve(req, res, responsesDialect, responsesWire));
    const anthropicCaller = req.headers['anthropic-version'] !== undefined;
    const d = anthropicCaller ? anthropicDialect : openaiDialect;
    return routeEndpoint(context, req, res, path, d) ?? fail(res, d, new HttpError(404, 'not_found', `no route ${req.method} ${path}; see the endpoint table in docs/llm-proxy.md`), NO_CALL);
  };
}

/** A translated answer's provider headers for the caller; the caller's own x-request-id, when it sent one, stays. */
function idsFor(d: DialectAdapter, headers: Record<string, string> | undefined, requestId: string | undefined): Record<string, string> {
  const h = translatedHeaders(d.name, headers);
  if (requestId) delete h['x-request-id'];
  return h;
}

/**
 * The body a same-dialect provider gets: the caller's bytes as they came when nothing changes (no second
 * serialization of a 30 MB body), else re-serialized with the routed model (alias, `provider/` prefix) and, for an
 * OpenAI stream whose caller did not ask for usage, `stream_options.include_usage` (the relay leaves that chunk out).
 */
function rawBody(raw: Buffer, p: Peeked, model: string, addUsage: boolean): Buffer | string {
  if (model === p.model && !addUsage) return raw;
  const body: Record<string, unknown> = { ...p.body, model };
  if (addUsage) body.stream_options = { ...(p.body.stream_options as object | undefined), include_usage: true };
  return JSON.stringify(body);
}
