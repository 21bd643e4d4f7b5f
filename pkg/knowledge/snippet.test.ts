import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeSnippet, SNIPPET_LENGTH } from './snippet.ts';

const filler = (n: number, word = 'lorem') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');

describe('makeSnippet', () => {
  it('returns a short text whole, on one line', () => {
    expect(makeSnippet('short\n\ntext', ['short'])).toBe('short text');
  });

  it('shows the matched term with context, cut at word boundaries, with ellipses where text was left out', () => {
    const text = `${filler(100)} the autoscaler scales workers ${filler(100, 'ipsum')}`;
    const snippet = makeSnippet(text, ['autoscaler']);
    expect(snippet).toContain('the autoscaler scales workers');
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    const body = snippet.slice(1, -1);
    expect(body.length).toBeLessThanOrEqual(SNIPPET_LENGTH);
    // Whole words only: every word of the body is a word of the text.
    const words = new Set(text.split(' '));
    for (const word of body.split(' ')) expect(words.has(word)).toBe(true);
  });

  it('prefers the window holding the most distinct terms over one holding a single term many times', () => {
    const text = `${'cache '.repeat(40)}${filler(60)} redis cache together ${filler(60, 'ipsum')}`;
    expect(makeSnippet(text, ['cache', 'redis'])).toContain('redis cache together');
  });

  it('matches case-insensitively and whole tokens only', () => {
    const text = `${filler(50)} precache ${filler(50)} the CACHE here ${filler(50)}`;
    const snippet = makeSnippet(text, ['cache']);
    expect(snippet).toContain('the CACHE here');
  });

  it('starts at the beginning when no term occurs in the text (a title-only match)', () => {
    const text = filler(100);
    const snippet = makeSnippet(text, ['absent']);
    expect(snippet.startsWith('lorem0 lorem1')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
  });

  it('treats regex characters in terms as plain text', () => {
    const text = `${filler(60)} call a+b (c) here ${filler(60)}`;
    expect(makeSnippet(text, ['a+b', '(c)', '.*'])).toContain('a+b');
  });

  it('always holds a matched term that occurs in the text, and stays near the requested length', () => {
    const word = fc.constantFrom<string>('alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta');
    fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 400 }), fc.array(word, { minLength: 1, maxLength: 3 }), (words, terms) => {
      const text = words.join(' ');
      const snippet = makeSnippet(text, terms);
      const body = snippet.replace(/^…|…$/g, '');
      expect(body.length).toBeLessThanOrEqual(SNIPPET_LENGTH);
      expect(text).toContain(body);
      if (terms.some((t) => words.includes(t))) expect(body.split(' ').some((w) => terms.includes(w))).toBe(true);
    }), { numRuns: 500 });
  });
});
