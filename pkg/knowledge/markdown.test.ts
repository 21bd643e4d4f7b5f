import { describe, expect, it } from 'vitest';
import { decodeEntities, parseMarkdown } from './markdown.ts';

const doc = `Intro line before the title.

# Cache *sidecar* guide

Some [link text](https://example.com/secret-path) and \`code span\` with <b>bold</b> &amp; more.

## Running it

\`\`\`sh
npm run start:cache-sidecar
\`\`\`

| Variable | Meaning |
|---|---|
| \`CACHE_BACKEND\` | memory or redis |

- item **one**
- item ![diagram alt](img/diagram.png)

> a quoted remark

<div class="x">raw html block</div>

[ref]: https://example.com/ref-target

### Third level
`;

describe('parseMarkdown', () => {
  const parsed = parseMarkdown(doc, 'guide/cache.md');

  it('takes the first level-1 heading as the title, its markup dropped', () => {
    expect(parsed.title).toBe('Cache sidecar guide');
  });

  it('lists every heading in order', () => {
    expect(parsed.headings).toEqual(['Cache sidecar guide', 'Running it', 'Third level']);
  });

  it('keeps prose, code spans, code blocks, table cells, list items, alt text and quotes as text', () => {
    for (const kept of ['Intro line before the title.', 'link text', 'code span', 'bold & more', 'npm run start:cache-sidecar', 'CACHE_BACKEND memory or redis', 'item one', 'diagram alt', 'a quoted remark']) {
      expect(parsed.text).toContain(kept);
    }
  });

  it('drops link targets, image sources, HTML tags and markup characters', () => {
    for (const dropped of ['example.com', 'secret-path', 'ref-target', 'img/diagram.png', '<b>', 'raw html block', '**', '](', '|---', '```', '## ']) {
      expect(parsed.text).not.toContain(dropped);
    }
  });

  it('falls back to the file name without its extension', () => {
    expect(parseMarkdown('## Only a second level\n\ntext', 'a/b/notes.markdown').title).toBe('notes');
    expect(parseMarkdown('', 'empty.md')).toEqual({ title: 'empty', headings: [], text: '' });
  });

  it('folds compatibility characters like the query does', () => {
    expect(parseMarkdown('# Ｆｕｌｌ width', 'x.md').title).toBe('Full width');
  });
});

describe('decodeEntities', () => {
  it('decodes the named basics and numeric references, and leaves the rest', () => {
    expect(decodeEntities('a &amp; b &lt;c&gt; &#65;&#x42; &quot;q&quot;')).toBe('a & b <c> AB "q"');
    expect(decodeEntities('&unknown; &#xD800; &#0;')).toBe('&unknown; &#xD800; &#0;');
  });
});
