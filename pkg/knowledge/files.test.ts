import { describe, expect, it } from 'vitest';
import { isHiddenPath, isMarkdownPath, isRelevantChange } from './files.ts';

describe('knowledge folder paths', () => {
  it('takes .md and .markdown files, any case', () => {
    expect(isMarkdownPath('a/b.md')).toBe(true);
    expect(isMarkdownPath('README.MD')).toBe(true);
    expect(isMarkdownPath('notes.markdown')).toBe(true);
    expect(isMarkdownPath('notes.md.bak')).toBe(false);
    expect(isMarkdownPath('image.png')).toBe(false);
  });

  it('treats any dot segment as hidden', () => {
    expect(isHiddenPath('.git/x.md')).toBe(true);
    expect(isHiddenPath('a/.#lock.md')).toBe(true);
    expect(isHiddenPath('a/b/c.md')).toBe(false);
  });

  it('reindexes for Markdown files, folders and unnamed events, not for other files', () => {
    expect(isRelevantChange('guide/intro.md')).toBe(true);
    expect(isRelevantChange('guide')).toBe(true);
    expect(isRelevantChange(null)).toBe(true);
    expect(isRelevantChange(undefined)).toBe(true);
    expect(isRelevantChange('guide/.intro.md.swp')).toBe(false);
    expect(isRelevantChange('guide/intro.md~')).toBe(false);
    expect(isRelevantChange('logo.png')).toBe(false);
  });
});
