import { describe, expect, it, vi } from 'vitest';
import { Metrics } from '#pkg/metrics/index.ts';
import { parseUpstashTokens } from './tokens.ts';
import { spaceFor } from './rewrite.ts';
import { ScriptGate } from './scripts.ts';
import { TenantDirectory } from './tenant-directory.ts';

const TOKEN = 'acme-token-0123456789';

function directory() {
  const tokens = parseUpstashTokens(JSON.stringify({ [TOKEN]: { tenant: 'acme' } }));
  const lookup = vi.spyOn(tokens, 'lookup');
  const metrics = new Metrics({ defaultMetrics: false });
  const requests = metrics.counter({ name: 'test_upstash_requests_total', help: 'test', labelNames: ['tenant', 'endpoint', 'result'] });
  const bind = vi.spyOn(requests, 'bind');
  const gate = new ScriptGate();
  const dir = new TenantDirectory(tokens, requests, (g) => spaceFor('pf', g.tenant, g.scope, g.trusted, gate));
  return { dir, lookup, bind, metrics };
}

describe('TenantDirectory', () => {
  it('computes a token\'s SHA-256 lookup once, then finds its tenant by the header it came with', () => {
    const { dir, lookup } = directory();
    const first = dir.lookup(`Bearer ${TOKEN}`, undefined);
    expect(first?.grant.tenant).toBe('acme');
    expect(dir.lookup(`Bearer ${TOKEN}`, undefined)).toBe(first);
    expect(dir.lookup(undefined, TOKEN)).toBe(first);
    expect(dir.lookup(undefined, TOKEN)).toBe(first);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('remembers no wrong token: each is looked up again, and none is let in', () => {
    const { dir, lookup } = directory();
    for (let i = 0; i < 3; i++) expect(dir.lookup('Bearer wrong-token-0123456789', undefined)).toBeUndefined();
    expect(dir.lookup(`Basic ${TOKEN}`, TOKEN)).toBeUndefined(); // a malformed header never falls back to ?_token=
    expect(dir.lookup(undefined, undefined)).toBeUndefined();
    expect(lookup).toHaveBeenCalledTimes(4);
  });

  it('binds each endpoint and result counter once, and counts every request', async () => {
    const { dir, bind, metrics } = directory();
    const context = dir.lookup(`Bearer ${TOKEN}`, undefined)!;
    for (let i = 0; i < 5; i++) context.count('command', 'ok');
    context.count('pipeline', 'error');
    expect(bind).toHaveBeenCalledTimes(2);
    const text = await metrics.registry.metrics();
    expect(text).toContain('test_upstash_requests_total{tenant="acme",endpoint="command",result="ok"} 5');
    expect(text).toContain('test_upstash_requests_total{tenant="acme",endpoint="pipeline",result="error"} 1');
  });
});
