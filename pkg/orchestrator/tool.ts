import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { LookupArgs, LookupResult } from './types.ts';

export const LOOKUP_TOOL_NAME = 'knowledge_lookup';
export const MAX_QUERY_CHARS = 500;
const MAX_LOOKUP_LIMIT = 10;

/** The one tool the chat offers. The description is what makes a real model reach for it. */
export const LOOKUP_TOOL: ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: LOOKUP_TOOL_NAME,
    description:
      'Search the Pilotfish project documentation (the cache sidecar, the LLM proxy, queue metrics, the queue autoscaler, ' +
      'the main app, deployment, configuration and operations). Call it before answering any question about Pilotfish, ' +
      'its components, settings, metrics or behaviour, and base the answer on the returned snippets, citing their paths. ' +
      'Returns the best matching sections with title, path, score and snippet.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Search words, e.g. "breaker reset" or "X-Cache unavailable".', minLength: 1, maxLength: MAX_QUERY_CHARS },
        limit: { type: 'integer', description: 'How many results, 1 to 10. Default 5.', minimum: 1, maximum: MAX_LOOKUP_LIMIT },
      },
      required: ['query'],
      additionalProperties: false,
    },
  },
};

export type ParsedToolCall = { ok: true; args: LookupArgs } | { ok: false; error: string };

/**
 * Checks one tool call the model made. A mistake is not a crash: its text goes
 * back to the model as the tool's answer, so the model can correct itself.
 */
export function parseToolCall(name: string, rawArguments: string): ParsedToolCall {
  if (name !== LOOKUP_TOOL_NAME) return { ok: false, error: `unknown tool "${name.slice(0, 64)}"; the only tool is ${LOOKUP_TOOL_NAME}` };
  let value: unknown;
  try {
    value = JSON.parse(rawArguments || '{}');
  } catch {
    return { ok: false, error: `${LOOKUP_TOOL_NAME} arguments are not valid JSON; send an object like {"query": "breaker reset"}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: `${LOOKUP_TOOL_NAME} arguments must be a JSON object with "query"` };
  const { query, limit } = value as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') return { ok: false, error: `${LOOKUP_TOOL_NAME} needs "query", a non-empty string` };
  if (query.length > MAX_QUERY_CHARS) return { ok: false, error: `${LOOKUP_TOOL_NAME} "query" is longer than ${MAX_QUERY_CHARS} characters` };
  if (limit === undefined || limit === null) return { ok: true, args: { query } };
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LOOKUP_LIMIT) {
    return { ok: false, error: `${LOOKUP_TOOL_NAME} "limit" must be an integer from 1 to ${MAX_LOOKUP_LIMIT}` };
  }
  return { ok: true, args: { query, limit } };
}

/** Only the four fields the contract names, whatever else the search returned. */
export function trimResults(results: readonly LookupResult[]): LookupResult[] {
  return results.map(({ title, path, score, snippet }) => ({ title, path, score, snippet }));
}

/** The tool message content the model reads. */
export function toolContent(outcome: { results: LookupResult[] } | { error: string }): string {
  return JSON.stringify('error' in outcome ? { error: outcome.error } : { results: outcome.results });
}
