import { afterEach, describe, expect, it, vi } from 'vitest';
import { LlmError } from '../errors.ts';
import { ProviderBreaker, type BreakerState } from './breaker.ts';

const breakers: ProviderBreaker[] = [];
afterEach(() => breakers.splice(0).forEach((b) => b.shutdown()));

function make(opts: ConstructorParameters<typeof ProviderBreaker>[1]) {
  const b = new ProviderBreaker('p', opts);
  breakers.push(b);
  return b;
}
const fail = (kind: 'server' | 'client') => () => Promise.reject(new LlmError(kind, 'x'));

describe('ProviderBreaker', () => {
  it('stays closed below the minimum number of calls, opens above the error percentage, then fails fast', async () => {
    const states: BreakerState[] = [];
    const b = make({ minRequests: 4, errorPct: 50, resetMs: 60_000, onState: (s) => states.push(s) });
    for (let i = 0; i < 3; i++) await b.fire(fail('server')).catch(() => undefined);
    expect(b.state).toBe('closed');
    await b.fire(fail('server')).catch(() => undefined);
    expect(b.state).toBe('open');
    expect(states).toEqual(['open']);
    let called = false;
    await expect(b.fire(async () => { called = true; })).rejects.toMatchObject({ kind: 'breaker_open' });
    expect(called).toBe(false);
    expect(b.lastError?.kind).toBe('server');
    expect(b.window.failures).toBe(4);
  });

  it('does not count client errors', async () => {
    const b = make({ minRequests: 2, errorPct: 10 });
    for (let i = 0; i < 5; i++) await b.fire(fail('client')).catch(() => undefined);
    expect(b.state).toBe('closed');
  });

  it('lets one trial through after the reset time: success closes, failure reopens', async () => {
    vi.useFakeTimers();
    try {
      const b = make({ minRequests: 1, errorPct: 1, resetMs: 50 });
      await b.fire(fail('server')).catch(() => undefined);
      expect(b.state).toBe('open');
      await vi.advanceTimersByTimeAsync(49);
      expect(b.state).toBe('open');
      await vi.advanceTimersByTimeAsync(1);
      expect(b.state).toBe('half_open');
      await b.fire(fail('server')).catch(() => undefined);
      expect(b.state).toBe('open');
      await vi.advanceTimersByTimeAsync(50);
      expect(await b.fire(async () => 'ok')).toBe('ok');
      expect(b.state).toBe('closed');
    } finally {
      vi.useRealTimers();
    }
  });
});
