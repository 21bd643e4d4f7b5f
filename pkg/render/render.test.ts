import { describe, expect, it } from 'vitest';
import { renderDocument } from './render.ts';
import { RenderError } from './errors.ts';
import { sampleRenderJob } from './sample.ts';

describe('renderDocument', () => {
  it('fills the template, renders GFM Markdown and keeps safe HTML', () => {
    const { html } = renderDocument({
      template: '# Hello {{name}}\n\n{{#items}}- {{.}}\n{{/items}}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[site](https://example.com)',
      data: { name: 'Ada', items: ['one', 'two'] },
    });
    expect(html).toContain('<h1>Hello Ada</h1>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<table>');
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>');
  });

  it('removes scripts, event handlers and javascript: links from template and data', () => {
    const { html } = renderDocument({
      template: '<script>alert(1)</script>\n\n<img src="https://x/y.png" onerror="alert(2)">\n\n[x](javascript:alert(3))\n\n{{{raw}}} {{escaped}}',
      data: { raw: '<iframe src="https://evil"></iframe><b>bold</b>', escaped: '<i>not a tag</i>' },
    });
    expect(html).not.toMatch(/<script|onerror|javascript:|<iframe/i);
    expect(html).toContain('<img src="https://x/y.png" />');
    expect(html).toContain('<b>bold</b>');
    expect(html).toContain('&lt;i&gt;not a tag&lt;/i&gt;');
  });

  it('renders numbers and booleans from data', () => {
    expect(renderDocument({ template: '{{n}} items, done: {{ok}}, {{#rows}}{{qty}};{{/rows}}', data: { n: 3, ok: false, rows: [{ qty: 7 }, { qty: 0 }] } }).html).toBe('<p>3 items, done: false, 7;0;</p>\n');
  });

  it('renders the enqueue CLI\'s sample jobs', () => {
    const { html } = renderDocument(sampleRenderJob(12));
    expect(html).toContain('<h1>Report 12</h1>');
    expect(html).toContain('<td>part-2</td>');
    expect(() => renderDocument(sampleRenderJob(1, true))).toThrow(RenderError);
  });

  it('keeps Markdown punctuation in data as written', () => {
    expect(renderDocument({ template: '`{{code}}`', data: { code: 'a = b / c' } }).html).toContain('<code>a = b / c</code>');
  });

  it('rejects bad input with a coded validation error', () => {
    const bad = (input: unknown) => {
      try {
        renderDocument(input);
      } catch (err) {
        expect(err).toBeInstanceOf(RenderError);
        return (err as RenderError).code;
      }
      throw new Error('expected a RenderError');
    };
    expect(bad(null)).toBe('invalid_job');
    expect(bad({})).toBe('invalid_template');
    expect(bad({ template: 'x', data: [1] })).toBe('invalid_data');
    expect(bad({ template: '{{#open}}' })).toBe('invalid_template');
    expect(() => renderDocument({ template: 'x'.repeat(11) }, { maxTemplateChars: 10 })).toThrow(/exceeds 10/);
    expect(() => renderDocument({ template: '{{#a}}{{b}}{{/a}}', data: { a: Array(100).fill(1), b: 'y'.repeat(100) } }, { maxMarkdownChars: 1000 })).toThrow(/exceeds 1000/);
  });
});
