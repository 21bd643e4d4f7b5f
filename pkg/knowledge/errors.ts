import { HttpError } from '#pkg/http/index.ts';

export type KnowledgeErrorCode = 'invalid_query' | 'invalid_limit' | 'invalid_ttl' | 'knowledge_dir_unreadable';

const STATUS: Record<KnowledgeErrorCode, number> = {
  invalid_query: 400,
  invalid_limit: 400,
  invalid_ttl: 400,
  // The index cannot be (re)built from its folder: the service, not the caller, is at fault.
  knowledge_dir_unreadable: 503,
};

/**
 * An HttpError, so an HTTP edge answers it as it answers every other one
 * (`err.status`, `{"error":{"code","message"}}`). Messages name the parameter
 * or the folder, never a caller's full query.
 */
export class KnowledgeError extends HttpError {
  declare readonly code: KnowledgeErrorCode;
  constructor(code: KnowledgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS[code], code, message, options);
    this.name = 'KnowledgeError';
  }
}
