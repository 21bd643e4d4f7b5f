import { OrchestratorError } from './errors.ts';
import type { ChatMessage, ChatRequest } from './types.ts';

export const MAX_MESSAGES = 50;
export const MAX_CONTENT_CHARS = 32_000;
export const MAX_MODEL_CHARS = 200;
const MODEL_PATTERN = /^[A-Za-z0-9._:/@-]+$/;
const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

/**
 * Validates a `POST /api/chat` body. Throws `OrchestratorError` (400
 * `invalid_request`) naming the first field at fault. Only the fields it
 * knows are kept, so nothing else the caller sent reaches the model.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw new OrchestratorError('body must be a JSON object with "messages"');
  const { messages, model } = body;
  if (!Array.isArray(messages) || messages.length === 0) throw new OrchestratorError('messages must be a non-empty array');
  if (messages.length > MAX_MESSAGES) throw new OrchestratorError(`messages has ${messages.length} entries; at most ${MAX_MESSAGES}`);
  const parsed: ChatMessage[] = messages.map((m: unknown, i) => parseMessage(m, `messages[${i}]`));
  if (model === undefined) return { messages: parsed };
  if (typeof model !== 'string' || model.length === 0) throw new OrchestratorError('model must be a non-empty string');
  if (model.length > MAX_MODEL_CHARS) throw new OrchestratorError(`model is longer than ${MAX_MODEL_CHARS} characters`);
  if (!MODEL_PATTERN.test(model)) throw new OrchestratorError('model may contain only letters, digits and . _ : / @ -');
  return { messages: parsed, model };
}

function parseMessage(m: unknown, field: string): ChatMessage {
  if (!isRecord(m)) throw new OrchestratorError(`${field} must be an object with role and content`);
  const { role, content } = m;
  if (typeof role !== 'string' || !ROLES.has(role)) throw new OrchestratorError(`${field}.role must be "system", "user" or "assistant"`);
  if (typeof content !== 'string') throw new OrchestratorError(`${field}.content must be a string`);
  if (content.length > MAX_CONTENT_CHARS) throw new OrchestratorError(`${field}.content is longer than ${MAX_CONTENT_CHARS} characters`);
  return { role: role as ChatMessage['role'], content };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
