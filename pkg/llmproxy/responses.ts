import { parseResponsesRequest, ResponsesStreamEncoder, toResponsesObject } from '../llm/index.ts';
import { openaiDialect, type DialectAdapter } from './dialect.ts';

/**
 * `POST /v1/responses`: the OpenAI dialect's Responses API. Passed through to
 * an OpenAI-dialect provider (`/responses`); translated through the canonical
 * chat model for the others (translate/responses-request.ts and
 * responses-response.ts), errors in the OpenAI shape.
 */
export const responsesDialect: DialectAdapter = {
  name: 'openai',
  parse: (body) => parseResponsesRequest(body),
  response: toResponsesObject,
  encoder: (model) => new ResponsesStreamEncoder(model),
  errorBody: openaiDialect.errorBody,
  upstreamPath: '/responses',
};
