import { describe, expect, it } from 'vitest';
import { dashboardPage, noQueuesPage, signInPage } from './pages.ts';

/** helmet's default CSP refuses inline script and inline style: the pages must not need them. */
function expectCspSafe(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<style/);
  expect(html).not.toMatch(/\sstyle=/);
  expect(html).not.toMatch(/\son[a-z]+=/);
}

describe('signInPage', () => {
  it('is a password form posting to /admin/login, without inline script or style', () => {
    const html = signInPage();
    expect(html).toContain('<form method="post" action="/admin/login"');
    expect(html).toContain('type="password"');
    expect(html).not.toContain('role="alert"');
    expectCspSafe(html);
  });
  it('shows the message escaped', () => {
    const html = signInPage({ message: '<img src=x onerror=alert(1)>' });
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });
});

describe('dashboardPage', () => {
  it('names the principal escaped and loads only the page\'s own script and style sheet', () => {
    const html = dashboardPage({ id: 'key:<b>abc</b>', tenant: 'acme' });
    expect(html).toContain('key:&lt;b&gt;abc&lt;/b&gt;');
    expect(html).toContain('<script src="/admin/assets/admin.js" defer></script>');
    expect(html).toContain('href="/admin/assets/admin.css"');
    expectCspSafe(html);
  });
  it('has a place for every figure admin.js fills', () => {
    const html = dashboardPage({ id: 'key:1', tenant: 't' });
    for (const id of ['tile-hit-ratio', 'tile-sidecar', 'tile-llm', 'tile-queues', 'tile-autoscalers', 'cache-table', 'sidecar-backend', 'sidecar-breaker', 'llm-table', 'queues-table', 'autoscalers-table', 'updated', 'poll-state']) {
      expect(html).toContain(`id="${id}"`);
    }
  });
});

describe('noQueuesPage', () => {
  it('says why there is nothing to show', () => {
    const html = noQueuesPage();
    expect(html).toContain('REDIS_URL');
    expectCspSafe(html);
  });
});
