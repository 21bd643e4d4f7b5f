import { describe, expect, it } from 'vitest';
import { escapeHtml, isSameOrigin } from './safety.ts';

describe('escapeHtml', () => {
  it('escapes the five markup characters and leaves the rest', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a> ok`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt; ok');
  });
  it('renders null and undefined as empty, numbers as text', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('isSameOrigin', () => {
  it('accepts an Origin naming the request host', () => {
    expect(isSameOrigin({ origin: 'http://app.example:8080', host: 'app.example:8080' })).toBe(true);
  });
  it('falls back to the Referer when Origin is missing or "null"', () => {
    expect(isSameOrigin({ referer: 'https://app.example/admin/login', host: 'app.example' })).toBe(true);
    expect(isSameOrigin({ origin: 'null', referer: 'https://app.example/admin/login', host: 'app.example' })).toBe(true);
  });
  it('trusts Sec-Fetch-Site when the browser sent it, whatever Origin says', () => {
    // A form POST from a page under Referrer-Policy: no-referrer: Origin "null", no Referer.
    expect(isSameOrigin({ 'sec-fetch-site': 'same-origin', origin: 'null', host: 'app.example' })).toBe(true);
    expect(isSameOrigin({ 'sec-fetch-site': 'cross-site', origin: 'https://app.example', host: 'app.example' })).toBe(false);
    expect(isSameOrigin({ 'sec-fetch-site': 'same-site', host: 'app.example' })).toBe(false);
    expect(isSameOrigin({ 'sec-fetch-site': 'none', host: 'app.example' })).toBe(false);
  });
  it('refuses another host, another port, no header, no host and garbage', () => {
    expect(isSameOrigin({ origin: 'https://evil.example', host: 'app.example' })).toBe(false);
    expect(isSameOrigin({ origin: 'http://app.example:9999', host: 'app.example:8080' })).toBe(false);
    expect(isSameOrigin({ host: 'app.example' })).toBe(false);
    expect(isSameOrigin({ origin: 'https://app.example' })).toBe(false);
    expect(isSameOrigin({ origin: 'not a url', host: 'app.example' })).toBe(false);
  });
});
