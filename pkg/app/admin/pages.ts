/**
 * The admin page's HTML, pure: the sign-in form and the dashboard shell that
 * /admin/assets/admin.js fills from /admin/api/overview. No inline script or
 * style (helmet's default CSP forbids them), every value escaped, and the
 * submitted key is never written back into a page.
 */
import { escapeHtml } from './safety.ts';
import type { Principal } from '../principal.ts';

export const ADMIN_BASE = '/admin';
export const ASSETS_PATH = `${ADMIN_BASE}/assets`;
export const QUEUES_PATH = `${ADMIN_BASE}/queues`;

function layout(title: string, body: string, options: { script?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS_PATH}/admin.css">
${options.script ? `<script src="${ASSETS_PATH}/admin.js" defer></script>\n` : ''}</head>
<body>
${body}
</body>
</html>
`;
}

export interface SignInPageOptions {
  /** Shown above the form (why the last attempt failed); plain text. */
  message?: string;
}

export function signInPage(options: SignInPageOptions = {}): string {
  const message = options.message ? `<p class="message" role="alert" id="signin-message">${escapeHtml(options.message)}</p>\n` : '';
  return layout('Sign in · Pilotfish admin', `<main class="signin">
<h1>Pilotfish admin</h1>
${message}<form method="post" action="${ADMIN_BASE}/login" class="signin-form">
<label for="key">API key with the <code>admin</code> role</label>
<input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">The key is checked once; the browser then keeps a signed session cookie (HttpOnly, SameSite=Strict), never the key.</p>
</main>`);
}

/** Every figure starts as "…" and is replaced by admin.js on its first poll. */
export function dashboardPage(principal: Pick<Principal, 'id' | 'tenant'>): string {
  const table = (id: string, headers: string[]) =>
    `<table id="${id}"><thead><tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody><tr><td colspan="${headers.length}" class="empty">…</td></tr></tbody></table>`;
  return layout('Pilotfish admin', `<header class="top">
<h1>Pilotfish admin</h1>
<p class="who">Signed in as <span id="principal">${escapeHtml(principal.id)}</span> (tenant <span>${escapeHtml(principal.tenant)}</span>)</p>
<nav><a href="${QUEUES_PATH}/">Queue detail (bull-board)</a>
<form method="post" action="${ADMIN_BASE}/logout" class="inline"><button type="submit">Sign out</button></form></nav>
<p class="refresh">Updated <span id="updated">never</span> <span id="poll-state" class="badge state-unknown">connecting</span></p>
</header>
<main class="grid">
<section id="summary" class="wide tiles" aria-label="At a glance">
<div class="tile"><span class="label">Cache hit ratio</span><span class="value" id="tile-hit-ratio">…</span><span class="detail" id="tile-hit-detail"></span></div>
<div class="tile"><span class="label">Cache sidecar</span><span class="value" id="tile-sidecar">…</span><span class="detail" id="tile-sidecar-detail"></span></div>
<div class="tile"><span class="label">LLM providers</span><span class="value" id="tile-llm">…</span><span class="detail" id="tile-llm-detail"></span></div>
<div class="tile"><span class="label">Queues</span><span class="value" id="tile-queues">…</span><span class="detail" id="tile-queues-detail"></span></div>
<div class="tile"><span class="label">Autoscalers</span><span class="value" id="tile-autoscalers">…</span><span class="detail" id="tile-autoscalers-detail"></span></div>
</section>
<section id="cache" class="wide">
<h2>Cache outcomes <small>this app pod, since start</small></h2>
${table('cache-table', ['Route', 'Hit ratio', 'hit', 'miss', 'unavailable', 'bypass', 'Total'])}
</section>
<section id="sidecar">
<h2>Cache sidecar</h2>
<dl>
<dt>Reachable</dt><dd id="sidecar-status">…</dd>
<dt>Backend</dt><dd id="sidecar-backend">…</dd>
<dt>Breaker</dt><dd id="sidecar-breaker">…</dd>
<dt>Consecutive failures</dt><dd id="sidecar-failures">…</dd>
<dt>Last error</dt><dd id="sidecar-last-error">…</dd>
</dl>
</section>
<section id="llm">
<h2>LLM providers</h2>
${table('llm-table', ['Provider', 'Breaker', 'Error rate', 'Calls', 'Failures', 'Last error'])}
</section>
<section id="queues" class="wide">
<h2>Queues</h2>
${table('queues-table', ['Queue', 'Health', 'Backlog', 'Oldest ready', 'Lag p95', 'Error ratio (5 min)', 'Workers', 'Read from'])}
</section>
<section id="autoscalers" class="wide">
<h2>Queue autoscalers</h2>
${table('autoscalers-table', ['Autoscaler', 'Target', 'Replicas (current → desired)', 'Ready', 'Backlog', 'Oldest ready', 'Last scale'])}
</section>
</main>`, { script: true });
}

/** /admin/queues when the app has no Redis, so no queue to show. */
export function noQueuesPage(): string {
  return layout('Queues · Pilotfish admin', `<main class="signin">
<h1>Queue detail</h1>
<p class="message" role="alert">No queues: the app runs without Redis (<code>REDIS_URL</code> is unset), so bull-board has nothing to show.</p>
<p><a href="${ADMIN_BASE}">Back to the overview</a></p>
</main>`);
}
