/**
 * The admin page's two pure guards: HTML escaping for everything it renders
 * (source answers are not trusted markup), and the sign-in form's CSRF check
 * (SameSite=Strict covers the cookie, but the form sets one, so its POST must
 * come from a page of this very host).
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * True when the request's Origin (or, lacking it, Referer) names the host the
 * request was sent to. Neither header present is refused: every browser that
 * submits a form sends at least one of them.
 */
export function isSameOrigin(headers: { origin?: string; referer?: string; host?: string }): boolean {
  const host = headers.host;
  if (!host) return false;
  const source = headers.origin && headers.origin !== 'null' ? headers.origin : headers.referer;
  if (!source) return false;
  try {
    return new URL(source).host === host;
  } catch {
    return false;
  }
}
