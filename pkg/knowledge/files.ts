/** Which paths under the knowledge folder are documents, and which file-system changes can alter the index. */
import { sep } from 'node:path';

const MARKDOWN = /\.(md|markdown)$/i;

export function isMarkdownPath(path: string): boolean {
  return MARKDOWN.test(path);
}

/** Dot-folders and dot-files (`.git`, editors' `.#x.md` locks) are never read. */
export function isHiddenPath(relativePath: string): boolean {
  return relativePath.split(/[\\/]/).some((part) => part.startsWith('.'));
}

/** The document id: the relative path with `/` separators on every platform. */
export function toDocumentId(relativePath: string): string {
  return sep === '/' ? relativePath : relativePath.split(sep).join('/');
}

/**
 * Whether a watcher event may change the index: a Markdown file, or a name
 * with no extension (a folder of them may have been added, renamed or removed),
 * or an event without a name (the platform did not say, so assume so).
 * Editors' swap and backup files are not.
 */
export function isRelevantChange(filename: string | null | undefined): boolean {
  if (!filename) return true;
  if (isHiddenPath(filename)) return false;
  if (isMarkdownPath(filename)) return true;
  const base = filename.split(/[\\/]/).pop() ?? filename;
  return !base.includes('.') && !base.endsWith('~');
}
