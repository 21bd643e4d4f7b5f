import { PilotfishError } from '#pkg/errors/index.ts';

export type KnowledgeErrorCode = 'invalid_query' | 'invalid_limit' | 'invalid_ttl' | 'knowledge_dir_unreadable';

/**
 * A domain error: a bad search parameter, or a knowledge folder that cannot
 * be read. It knows no HTTP; the app's edge maps its code to a status.
 * Messages name the parameter or the folder, never a caller's full query.
 */
export class KnowledgeError extends PilotfishError {
  declare readonly code: KnowledgeErrorCode;
  constructor(code: KnowledgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'KnowledgeError';
  }
}
