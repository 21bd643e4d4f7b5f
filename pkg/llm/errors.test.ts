import { describe, expect, it } from 'vitest';
import { PilotfishError } from '#pkg/errors/index.ts';
import { LlmError } from './errors.ts';
import { GatewayError } from './gateway-error.ts';
import { UpstreamsError } from './upstreams/spec.ts';

describe('the errors of pkg/llm', () => {
  it('are PilotfishErrors with a code and a cause, and no HTTP status of their own', () => {
    const cause = new Error('socket hang up');
    const plain = new LlmError('network', 'openai: connection failed', { provider: 'openai', cause });
    expect(plain).toBeInstanceOf(PilotfishError);
    expect([plain.code, plain.cause, 'status' in plain]).toEqual(['network', cause, false]);
    // The provider's own code wins over the kind: the caller gets it.
    expect(new LlmError('client', 'too long', { code: 'context_length_exceeded' }).code).toBe('context_length_exceeded');
  });

  it('a GatewayError carries the code of the failure it wraps', () => {
    const e = new LlmError('deadline', 'no answer within the 400 ms deadline');
    const g = new GatewayError(e, { provider: 'openai', model: 'gpt-4o', attempts: 1, fallback: false, degraded: false });
    expect(g).toBeInstanceOf(PilotfishError);
    expect([g.code, g.cause, g.message]).toEqual(['deadline', e, e.message]);
    expect(new UpstreamsError('upstreams[0].kind: bad')).toMatchObject({ code: 'invalid_upstreams', name: 'UpstreamsError' });
  });
});
