import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson } from '#pkg/http/index.ts';
import { estimateInputTokens, estimateResponsesInputTokens, mockEmbeddings, SseTap, usageOf } from '#pkg/llm/index.ts';
import { anthropicDialect, openaiDialect, type DialectAdapter } from './dialect.ts';
import { forward, type ForwardContext, type ForwardSpec } from './forward.ts';
import { serveModel } from './model-info.ts';
import { modelsBody } from './models.ts';
import { NO_CALL } from './outcome.ts';
import { serveStoredResponse, STORED_RESPONSE_PATH, type StoredResponsesContext } from './stored-responses.ts';

/** `POST /v1/embeddings`: OpenAI-dialect providers raw; the mock answers deterministic vectors; others refuse. */
const embeddingsSpec: ForwardSpec = {
  d: openaiDialect, dialect: 'openai', path: '/embeddings', what: 'embeddings',
  usage: (json) => usageOf('openai', json),
  local: (c, body) => {
    if (c.provider !== 'mock') return undefined;
    const { json, inputTokens } = mockEmbeddings(body, c.model);
    return Promise.resolve({ json, usage: { inputTokens, outputTokens: 0 } });
  },
};

/** `POST /v1/completions` (legacy): OpenAI-dialect providers only, JSON or SSE. */
const completionsSpec: ForwardSpec = {
  d: openaiDialect, dialect: 'openai', path: '/completions', what: 'legacy completions',
  tap: () => new SseTap('openai'), usage: (json) => usageOf('openai', json),
};

/** The header marking a token count the proxy computed itself. */
const TOKEN_COUNT_HEADER = 'x-pilotfish-token-count';

/** `POST /v1/messages/count_tokens`: Anthropic counts its own; for the others the proxy estimates (token-estimate.ts). */
const countTokensSpec: ForwardSpec = {
  d: anthropicDialect, dialect: 'anthropic', path: '/v1/messages/count_tokens', what: 'token counts',
  usage: () => undefined,
  local: async (_c, body) => ({ json: { input_tokens: await estimateInputTokens(body) }, headers: { [TOKEN_COUNT_HEADER]: 'estimate' } }),
};

/** `POST /v1/responses/input_tokens`: OpenAI counts its own; for the others the proxy estimates. */
const responsesInputTokensSpec: ForwardSpec = {
  d: openaiDialect, dialect: 'openai', path: '/responses/input_tokens', what: 'token counts',
  usage: () => undefined,
  local: async (_c, body) => ({ json: { object: 'response.input_tokens', input_tokens: await estimateResponsesInputTokens(body) }, headers: { [TOKEN_COUNT_HEADER]: 'estimate' } }),
};

const MODEL_PATH = /^\/v1\/models\/(.+)$/;

/**
 * The endpoints besides chat and Responses; undefined when the path is none of them (a 404). `d` is the caller's
 * dialect as its headers tell (`anthropic-version`), for the paths both dialects share.
 */
export function routeEndpoint(ctx: ForwardContext & StoredResponsesContext, req: IncomingMessage, res: ServerResponse, path: string, d: DialectAdapter): Promise<void> | void | undefined {
  const post = (spec: ForwardSpec) => {
    if (req.method === 'POST') return forward(ctx, req, res, spec);
    return ctx.fail(res, spec.d, new HttpError(405, 'method_not_allowed', 'use POST'), NO_CALL);
  };
  switch (path) {
    case '/v1/embeddings': case '/embeddings': return post(embeddingsSpec);
    case '/v1/completions': case '/completions': return post(completionsSpec);
    case '/v1/messages/count_tokens': case '/messages/count_tokens': return post(countTokensSpec);
    case '/v1/responses/input_tokens': case '/responses/input_tokens': return post(responsesInputTokensSpec);
  }
  const get = req.method === 'GET' || req.method === 'HEAD';
  if (path === '/v1/models' && get) return sendJson(res, 200, modelsBody(ctx.router, d.name));
  const m = MODEL_PATH.exec(path);
  if (m && get) return serveModel(ctx, req, res, d, m[1]);
  if (STORED_RESPONSE_PATH.test(path)) {
    const cancel = path.endsWith('/cancel');
    const allowed = cancel ? req.method === 'POST' : req.method === 'GET' || (req.method === 'DELETE' && !path.endsWith('/input_items'));
    if (!allowed) return ctx.fail(res, openaiDialect, new HttpError(405, 'method_not_allowed', cancel ? 'use POST' : 'use GET or DELETE'), NO_CALL);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    return serveStoredResponse(ctx, req, res, path, q < 0 ? '' : url.slice(q + 1));
  }
  return undefined;
}
