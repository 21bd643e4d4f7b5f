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
 * True when the request comes from a page of the host it was sent to.
 * `Sec-Fetch-Site` decides when the browser sent it (scripts cannot set it,
 * and it survives helmet's `Referrer-Policy: no-referrer`, under which a form
 * POST carries `Origin: null` and no Referer); otherwise the Origin (or,
 * lacking it, Referer) must name the request's host. No signal at all is
 * refused: every browser that submits a form sends one.
 */
export function isSameOrigin(headers: { origin?: string; referer?: string; host?: string; 'sec-fetch-site'?: string }): boolean {
  const host = headers.host;
  if (!host) return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const source = headers.origin && headers.origin !== 'null' ? headers.origin : headers.referer;
  if (!source) return false;
  try {
    return new URL(source).host === host;
  } catch {
    return false;
  }
}
