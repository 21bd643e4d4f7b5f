import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PriceTable, costOf, DEFAULT_PRICES_FILE } from './index.ts';

const table = PriceTable.parse(JSON.stringify({ models: {
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'claude-sonnet-4-5': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
} }));

describe('price table', () => {
  it('prices input and output per million tokens', () => {
    expect(table.cost('gpt-4o', { inputTokens: 1_000_000, outputTokens: 500_000 })).toBeCloseTo(2.5 + 5, 10);
    expect(table.cost('gpt-4o-mini', { inputTokens: 2000, outputTokens: 1000 })).toBeCloseTo((2000 * 0.15 + 1000 * 0.6) / 1e6, 15);
  });

  it('prices prompt-cache reads and writes apart from the rest of the input, which includes them', () => {
    const u = { inputTokens: 1000, outputTokens: 0, cacheReadTokens: 600, cacheWriteTokens: 100 };
    expect(table.cost('claude-sonnet-4-5', u)).toBeCloseTo((300 * 3 + 600 * 0.3 + 100 * 3.75) / 1e6, 15);
    // No cached price listed: cache reads cost what input costs.
    expect(costOf({ input: 1, output: 2 }, u)).toBeCloseTo(1000 / 1e6, 15);
  });

  it('looks through a provider prefix and a dated or -latest release, but not another model of the family', () => {
    expect(table.priceOf('openai/gpt-4o-mini')?.input).toBe(0.15);
    expect(table.priceOf('gpt-4o-mini-2024-07-18')?.input).toBe(0.15);
    expect(table.priceOf('claude-sonnet-4-5-20250929')?.output).toBe(15);
    expect(table.priceOf('gpt-4o-audio-preview')).toBeUndefined();
    expect(table.cost('llama-3-70b', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
  });

  it('refuses a malformed file naming the field', () => {
    expect(() => PriceTable.parse('{"models":{"x":{"input":-1,"output":1}}}')).toThrow(/models\.x\.input/);
    expect(() => PriceTable.parse('{"models":{"x":{"input":1}}}')).toThrow(/models\.x\.output/);
    expect(() => PriceTable.parse('nope')).toThrow(/not JSON/);
    expect(() => PriceTable.load('/nonexistent/prices.json')).toThrow(/ENOENT/);
  });

  it('the maintained default file loads, says where its prices come from and when, and prices the models the proxy routes by default', () => {
    const raw = JSON.parse(readFileSync(DEFAULT_PRICES_FILE, 'utf8')) as { source: string; updated: string };
    expect(raw.source).toMatch(/https:\/\//);
    expect(raw.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const t = PriceTable.load();
    for (const m of ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-5', 'claude-3-5-haiku-latest']) expect(t.priceOf(m), m).toBeDefined();
  });
});
