/** Reads the knowledge folder into parsed documents. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from '#pkg/log/index.ts';
import { KnowledgeError } from './errors.ts';
import { isHiddenPath, isMarkdownPath, toDocumentId } from './files.ts';
import { parseMarkdown } from './markdown.ts';
import type { KnowledgeDocument } from './engine.ts';

/** Files read at once: enough to keep the disk busy, far from the process's descriptor limit. */
const READ_CONCURRENCY = 16;
/** A bigger file is skipped: it would be one huge result, and a stray dump or log must not exhaust memory. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

export interface LoadResult {
  documents: KnowledgeDocument[];
  /** Relative paths that could not be read or parsed (each one logged). */
  skipped: string[];
}

export async function loadDocuments(dir: string, logger: Logger): Promise<LoadResult> {
  let paths: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error('not a directory');
    // Dirents that are symbolic links are not followed: a link back up the tree would never end.
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    paths = entries
      .filter((e) => e.isFile() && isMarkdownPath(e.name))
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .filter((rel) => !isHiddenPath(rel))
      .sort();
  } catch (err) {
    throw new KnowledgeError('knowledge_dir_unreadable', `knowledge folder ${dir} cannot be read: ${reason(err)}`, { cause: err });
  }

  const documents: KnowledgeDocument[] = [];
  const skipped: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const rel = paths[next++];
      const id = toDocumentId(rel);
      try {
        const file = join(dir, rel);
        const { size } = await stat(file);
        if (size > MAX_DOCUMENT_BYTES) throw new Error(`larger than ${MAX_DOCUMENT_BYTES} bytes`);
        const source = await readFile(file, 'utf8');
        documents.push({ id, path: id, ...parseMarkdown(source, rel) });
      } catch (err) {
        skipped.push(id);
        logger.warn({ path: id, err }, 'knowledge: skipped a document that cannot be read or parsed');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, paths.length) }, worker));
  documents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { documents, skipped: skipped.sort() };
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}
