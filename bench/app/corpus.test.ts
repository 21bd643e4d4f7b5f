import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '#pkg/knowledge/index.ts';
import { generateCorpus } from './corpus.ts';

describe('bench corpus', () => {
  const docs = generateCorpus(200, 7);

  it('is the same for the same seed and different for another', () => {
    expect(generateCorpus(200, 7)).toEqual(docs);
    expect(generateCorpus(200, 8)[0].markdown).not.toBe(docs[0].markdown);
  });

  it('has unique paths, a title and sections in every document, a few KB each', () => {
    expect(new Set(docs.map((d) => d.path)).size).toBe(docs.length);
    const sizes = docs.map((d) => Buffer.byteLength(d.markdown));
    expect(Math.min(...sizes)).toBeGreaterThan(700);
    expect(Math.max(...sizes)).toBeLessThan(16_000);
    for (const d of docs) {
      const parsed = parseMarkdown(d.markdown, d.path);
      expect(d.markdown.startsWith(`# ${parsed.title}\n`)).toBe(true);
      expect(parsed.headings.length).toBeGreaterThanOrEqual(4);
    }
  });
});
