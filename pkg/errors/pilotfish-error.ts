export interface PilotfishErrorOptions {
  cause?: unknown;
  /**
   * The HTTP status, only on errors that exist to cross an HTTP edge
   * (`HttpError`). Domain errors leave it out; each edge maps their `code`.
   */
  status?: number;
}

/**
 * The base of every error Pilotfish throws on purpose: a stable machine
 * `code` (snake_case or UPPER_CASE, never reworded), a message safe to show
 * a caller (never a secret, never a stored value) and the underlying `cause`.
 */
export class PilotfishError extends Error {
  readonly code: string;
  declare readonly status?: number;

  constructor(code: string, message: string, options: PilotfishErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PilotfishError';
    this.code = code;
    // Set only when given, so a domain error has no `status` property at all.
    if (options.status !== undefined) (this as { status?: number }).status = options.status;
  }

  /** The body every edge answers with: `{"error":{"code","message"}}`. */
  toJSON(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}
