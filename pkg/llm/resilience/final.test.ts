import { describe, expect, it } from 'vitest';
import { LlmError } from '../errors.ts';
import { finalError } from './final.ts';

const e = (kind: ConstructorParameters<typeof LlmError>[0], provider: string, o: { retryAfterMs?: number; upstreamStatus?: number } = {}) => new LlmError(kind, 'x', { provider, ...o });

describe('finalError', () => {
  it('answers 429 with the earliest retry-after when every candidate was rate limited', () => {
    const f = finalError([e('rate_limit', 'openai', { retryAfterMs: 9000 }), e('rate_limit', 'anthropic', { retryAfterMs: 2000 }), e('rate_limit', 'mock')]);
    expect(f).toMatchObject({ kind: 'rate_limit', upstreamStatus: 429, retryAfterMs: 2000, provider: 'anthropic' });
  });

  it('answers 503 when one candidate failed for another reason', () => {
    const f = finalError([e('rate_limit', 'openai', { retryAfterMs: 1000 }), e('server', 'anthropic')]);
    expect(f.kind).toBe('unavailable');
    expect(f.message).toContain('openai: rate_limit; anthropic: server');
  });

  it('keeps a 403 every provider gave, but not a 401 (the proxy\'s own key), else 503', () => {
    expect(finalError([e('auth', 'openai', { upstreamStatus: 403 }), e('auth', 'anthropic', { upstreamStatus: 403 })])).toMatchObject({ kind: 'auth', upstreamStatus: 403 });
    expect(finalError([e('auth', 'openai', { upstreamStatus: 401 })]).kind).toBe('unavailable');
    expect(finalError([e('auth', 'openai', { upstreamStatus: 401 }), e('auth', 'anthropic', { upstreamStatus: 403 })]).kind).toBe('unavailable');
    expect(finalError([]).message).toContain('none could be called');
  });
});
