/**
 * The HTTP status of a failed API call: `@kubernetes/client-node` throws
 * `ApiException` with `code`, the watch gives `statusCode`; network errors
 * have neither (undefined).
 */
export function apiStatus(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export const isConflict = (err: unknown): boolean => apiStatus(err) === 409;
export const isNotFound = (err: unknown): boolean => apiStatus(err) === 404;

/** A short, bounded description of an API error for a log line or a condition message (no response bodies). */
export function describeApiError(err: unknown): string {
  const code = apiStatus(err);
  const body = (err as { body?: unknown })?.body;
  let reason = '';
  if (typeof body === 'string') {
    try { reason = String((JSON.parse(body) as { message?: string }).message ?? ''); } catch { reason = ''; }
  } else if (body && typeof body === 'object') reason = String((body as { message?: string }).message ?? '');
  if (code !== undefined) return `HTTP ${code}${reason ? `: ${reason.slice(0, 200)}` : ''}`;
  return err instanceof Error ? err.message.slice(0, 200) : String(err).slice(0, 200);
}
