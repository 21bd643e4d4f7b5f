import { parseResponsesRequest, ResponsesItemStore, ResponsesStreamEncoder, toResponsesObject } from '#pkg/llm/index.ts';
import { openaiDialect, type DialectAdapter } from './dialect.ts';

/**
 * `POST /v1/responses`: the OpenAI dialect's Responses API. Passed through to
 * an OpenAI-dialect provider (`/responses`); translated through the canonical
 * chat model for the others (translate/responses-request.ts and
 * responses-response.ts), errors in the OpenAI shape. The output items of the
 * translated answers are kept in `items`, so a later `item_reference` to them
 * resolves (translate/responses-items.ts).
 */
export function createResponsesDialect(items: ResponsesItemStore = new ResponsesItemStore()): DialectAdapter {
  const find = (id: string) => items.find(id);
  return {
    name: 'openai',
    parse: (body) => parseResponsesRequest(body, find),
    response: (res, model) => {
      const out = toResponsesObject(res, model);
      items.remember(out.output);
      return out;
    },
    encoder: (model) => new ResponsesStreamEncoder(model, (output) => items.remember(output)),
    errorBody: openaiDialect.errorBody,
    upstreamPath: '/responses',
  };
}
