import { describe, expect, it } from 'vitest';
import { liveWorkers } from './registry.ts';

describe('liveWorkers', () => {
  it('sums live entries and lists expired or garbled ones for removal', () => {
    const r = liveWorkers({
      a: JSON.stringify({ c: 8, exp: 2000 }),
      b: JSON.stringify({ c: 4, exp: 1500 }),
      old: JSON.stringify({ c: 50, exp: 999 }),
      junk: 'not json',
    }, 1000);
    expect(r).toEqual({ workers: 2, totalConcurrency: 12, expired: ['old', 'junk'] });
  });
});
