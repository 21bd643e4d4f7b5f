import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, readBody, sendJson } from '#pkg/http/index.ts';
import {
  LlmError, type Candidate, type Dialect, type Gateway, type LlmMetrics, type Outcome, type Passthrough, type RawAnswer, type Route, type Router, type Usage,
} from '#pkg/llm/index.ts';
import { peek, type DialectAdapter, type Peeked } from './dialect.ts';
import type { Governance, Ticket } from './governance.ts';
import { callerRequestId, llmHeaders, NO_CALL, runFailure } from './outcome.ts';
import { openRelay, relayAnswer, relayStream, type RawStream, type StreamTap } from './relay.ts';
import { timingOf } from './server-timing.ts';

/** A provider's answer computed by the proxy itself (the mock's embeddings, a local token count). */
interface LocalAnswer {
  json: unknown;
  headers?: Record<string, string>;
  usage?: Usage;
}

/**
 * An endpoint the proxy forwards raw to providers of one dialect (`/v1/embeddings`, `/v1/completions`,
 * `/v1/messages/count_tokens`): the body goes on with only its model mapped, the answer comes back as bytes.
 */
export interface ForwardSpec {
  /** The caller's dialect (error shape, metrics label). */
  d: DialectAdapter;
  /** Providers of this dialect serve the endpoint raw. */
  dialect: Dialect;
  /** The upstream path after the provider's base URL (as its SDK writes it). */
  path: string;
  /** What the endpoint gives, for the refusal: "embeddings", "legacy completions". */
  what: string;
  /** A stream's tap, when the endpoint streams. */
  tap?(): StreamTap;
  usage(json: unknown): Usage | undefined;
  /** The answer for a first choice that cannot be reached raw; undefined: refused with a 400 naming the provider and model. */
  local?(candidate: Candidate, body: Record<string, unknown>): Promise<LocalAnswer> | undefined;
}

export interface ForwardContext {
  gateway: Gateway;
  router: Router;
  metrics: LlmMetrics;
  passthrough?: Passthrough;
  /** Client keys, tenants and cost, as for chat (no response cache here). */
  governance?: Governance;
  limit: number;
  fail(res: ServerResponse, d: DialectAdapter, err: unknown, outcome: Outcome, requestId?: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

type Forwarded = { answer: RawAnswer; json?: unknown; stream?: RawStream };

/** Serves one request of a forwarded endpoint (see ForwardSpec). */
export async function forward(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, spec: ForwardSpec): Promise<void> {
  const { gateway, router, metrics, passthrough } = ctx;
  const { d } = spec;
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const requestId = callerRequestId(req.headers['x-request-id']);
  if (requestId) res.setHeader('x-request-id', requestId);
  let raw: Buffer;
  let p: Peeked;
  let route: Route;
  let ticket: Ticket | undefined;
  try {
    raw = await readBody(req, ctx.limit);
    p = peek(d.name, parseJson(raw));
    if (p.stream && !spec.tap) throw new LlmError('invalid_request', `${spec.what} do not stream`, { param: 'stream' });
    const forced = req.headers['x-llm-provider'];
    route = router.resolve(p.model, typeof forced === 'string' && forced ? forced.toLowerCase() : undefined);
    if (ctx.governance) ticket = await ctx.governance.admit(req.headers, res, p.model, route);
  } catch (err) {
    metrics.request('none', 'none', d.name, 'client_error', seconds());
    return ctx.fail(res, d, err, NO_CALL);
  }
  const first = route.candidates[0];
  if (passthrough?.dialectOf(first.provider) !== spec.dialect) {
    const outcome: Outcome = { provider: first.provider, model: first.model, attempts: 0, fallback: false, degraded: false };
    try {
      const local = spec.local?.(first, p.body);
      if (!local) {
        throw new LlmError('invalid_request', `${spec.what} are not available from provider "${first.provider}" (model "${first.model}"): only ${spec.dialect}-dialect providers serve ${req.url?.split('?')[0]}`, { param: 'model' });
      }
      const answer = await local;
      sendJson(res, 200, answer.json, { ...answer.headers, ...llmHeaders(outcome, false) });
      metrics.request(first.provider, first.model, d.name, 'success', seconds());
      metrics.tokens(first.provider, first.model, answer.usage);
      ctx.governance?.settle(ticket, first.provider, first.model, answer.usage);
    } catch (err) {
      metrics.request(first.provider, first.model, d.name, 'client_error', seconds());
      ctx.fail(res, d, err, outcome, requestId);
    }
    return;
  }
  const candidates = route.candidates.filter((c) => passthrough.dialectOf(c.provider) === spec.dialect);
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(); };
  res.once('close', onClose);
  let served: Forwarded & Outcome;
  const upstreamDone = timingOf(res)?.upstream();
  try {
    served = await gateway.run<Forwarded>({ ...route, candidates }, ac.signal, async (cand, _provider, attempt) => {
      const body = cand.model === p.model ? raw : JSON.stringify({ ...p.body, model: cand.model });
      const answer = await passthrough.attempt(cand.provider, { path: spec.path, headers: req.headers, body, stream: p.stream, model: cand.model }, attempt);
      const malformed = () => new LlmError('malformed', `${cand.provider}: malformed answer from the provider`, { provider: cand.provider });
      if (!p.stream) {
        try { return { answer, json: JSON.parse(answer.body!.toString('utf8')) }; } catch { throw malformed(); }
      }
      const stream = await openRelay(spec.tap!(), answer);
      if (!stream) { answer.close(); throw malformed(); }
      return { answer, stream };
    }, { deadlineMs: gateway.deadlineFor(req.headers['x-stainless-timeout']), stream: p.stream });
  } catch (err) {
    upstreamDone?.();
    res.off('close', onClose);
    const { error, outcome, kind, result } = runFailure(err);
    metrics.request(outcome.provider, outcome.model || p.model, d.name, result, seconds());
    if (kind !== 'aborted') ctx.fail(res, d, error, outcome, requestId);
    return;
  }
  upstreamDone?.();
  const answer = served.answer;
  if (requestId) delete answer.headers['x-request-id'];
  if (!served.stream) {
    res.off('close', onClose);
    relayAnswer(res, answer, llmHeaders(served, false));
    metrics.request(served.provider, served.model, d.name, 'success', seconds());
    const usage = spec.usage(served.json);
    metrics.tokens(served.provider, served.model, usage);
    ctx.governance?.settle(ticket, served.provider, served.model, usage);
    return;
  }
  const stop = () => answer.close();
  ac.signal.addEventListener('abort', stop, { once: true });
  const r = await relayStream(res, d, served.stream, llmHeaders(served, false), () => metrics.firstToken(served.provider, served.model, d.name, seconds()));
  ac.signal.removeEventListener('abort', stop);
  res.off('close', onClose);
  if (r.outcome === 'error') ctx.warn({ kind: r.errorKind, provider: served.provider, requestId }, 'llm stream failed after its first byte');
  metrics.request(served.provider, served.model, d.name, r.outcome, seconds());
  metrics.tokens(served.provider, served.model, r.usage);
  ctx.governance?.settle(ticket, served.provider, served.model, r.usage);
}
