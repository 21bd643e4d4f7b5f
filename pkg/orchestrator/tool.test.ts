import { describe, expect, it } from 'vitest';
import { LOOKUP_TOOL, LOOKUP_TOOL_NAME, MAX_QUERY_CHARS, parseToolCall, toolContent, trimResults } from './tool.ts';

describe('LOOKUP_TOOL', () => {
  it('is a function tool the proxy accepts: a valid name and an object schema requiring query', () => {
    expect(LOOKUP_TOOL.function.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(LOOKUP_TOOL.function.parameters).toMatchObject({ type: 'object', required: ['query'], properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 10 } } });
    expect(LOOKUP_TOOL.function.description).toMatch(/Pilotfish/);
  });
});

describe('parseToolCall', () => {
  it('accepts a query, with or without a limit', () => {
    expect(parseToolCall(LOOKUP_TOOL_NAME, '{"query":"breaker reset"}')).toEqual({ ok: true, args: { query: 'breaker reset' } });
    expect(parseToolCall(LOOKUP_TOOL_NAME, '{"query":"ttl","limit":10}')).toEqual({ ok: true, args: { query: 'ttl', limit: 10 } });
    expect(parseToolCall(LOOKUP_TOOL_NAME, '{"query":"ttl","limit":null}')).toEqual({ ok: true, args: { query: 'ttl' } });
  });

  it.each([
    ['not JSON', '{"query": "ttl"', /not valid JSON/],
    ['empty arguments', '', /needs "query"/],
    ['an array', '["ttl"]', /must be a JSON object/],
    ['no query', '{"q":"ttl"}', /needs "query"/],
    ['a blank query', '{"query":"  "}', /needs "query"/],
    ['a query that is not a string', '{"query":42}', /needs "query"/],
    ['a query too long', JSON.stringify({ query: 'q'.repeat(MAX_QUERY_CHARS + 1) }), /longer than 500/],
    ['limit 0', '{"query":"ttl","limit":0}', /"limit" must be an integer from 1 to 10/],
    ['limit 11', '{"query":"ttl","limit":11}', /"limit" must be an integer from 1 to 10/],
    ['a fractional limit', '{"query":"ttl","limit":2.5}', /"limit" must be an integer/],
    ['a string limit', '{"query":"ttl","limit":"3"}', /"limit" must be an integer/],
  ])('refuses %s with a text for the model', (_name, raw, error) => {
    const parsed = parseToolCall(LOOKUP_TOOL_NAME, raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  it('refuses an unknown tool, naming the one there is', () => {
    const parsed = parseToolCall('get_weather', '{"city":"Paris"}');
    expect(parsed).toEqual({ ok: false, error: 'unknown tool "get_weather"; the only tool is knowledge_lookup' });
  });
});

describe('trimResults and toolContent', () => {
  it('keeps only title, path, score and snippet', () => {
    const hit = { title: 'Retry', path: 'docs/llm-proxy.md', score: 3.5, snippet: 'Up to…', body: 'the whole document', terms: ['retry'] };
    expect(trimResults([hit])).toEqual([{ title: 'Retry', path: 'docs/llm-proxy.md', score: 3.5, snippet: 'Up to…' }]);
  });

  it('writes results or the error as JSON for the model', () => {
    const results = [{ title: 'T', path: 'p.md', score: 1, snippet: 's' }];
    expect(JSON.parse(toolContent({ results }))).toEqual({ results });
    expect(JSON.parse(toolContent({ error: 'bad' }))).toEqual({ error: 'bad' });
  });
});
