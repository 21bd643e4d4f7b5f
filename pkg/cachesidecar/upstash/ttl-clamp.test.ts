import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampTtl, type TtlFence } from './ttl-clamp.ts';

const rule = { ttlMs: 30_000, minMs: 1000, maxMs: 3_600_000 };
const clamp: TtlFence = { rule, defaultTtl: false };
const withDefault: TtlFence = { rule, defaultTtl: true };
const NOW = 1_700_000_000_000;
const clock = () => NOW;

/** The command as it goes to Redis, or the refusal. */
const run = (args: string[], fence: TtlFence = clamp) => {
  const copy = [...args];
  const refused = clampTtl(copy, fence, clock);
  return refused ?? copy;
};

describe('clampTtl', () => {
  it('leaves TTLs inside the rule as they were sent', () => {
    for (const args of [
      ['set', 'k', 'v', 'EX', '100'], ['set', 'k', 'v', 'px', '1000'], ['setex', 'k', '3600', 'v'], ['psetex', 'k', '5000', 'v'],
      ['expire', 'k', '60', 'NX'], ['pexpire', 'k', '60000'], ['getex', 'k', 'EX', '10'], ['set', 'k', 'v', 'KEEPTTL'], ['set', 'k', 'v'],
      ['expireat', 'k', String(NOW / 1000 + 60)], ['set', 'k', 'v', 'PXAT', String(NOW + 5000)],
    ]) expect(run(args)).toEqual(args);
  });

  it('clamps a TTL above max or below min, in milliseconds, keeping the other options', () => {
    expect(run(['set', 'k', 'v', 'NX', 'EX', '86400', 'GET'])).toEqual(['set', 'k', 'v', 'NX', 'PX', '3600000', 'GET']);
    expect(run(['set', 'k', 'v', 'px', '10'])).toEqual(['set', 'k', 'v', 'PX', '1000']);
    expect(run(['setex', 'k', '86400', 'v'])).toEqual(['psetex', 'k', '3600000', 'v']);
    expect(run(['psetex', 'k', '1', 'v'])).toEqual(['psetex', 'k', '1000', 'v']);
    expect(run(['expire', 'k', '100000', 'GT'])).toEqual(['pexpire', 'k', '3600000', 'GT']);
    expect(run(['pexpire', 'k', '5'])).toEqual(['pexpire', 'k', '1000']);
    expect(run(['getex', 'k', 'ex', '999999'])).toEqual(['getex', 'k', 'PX', '3600000']);
  });

  it('clamps the absolute forms against the clock', () => {
    expect(run(['set', 'k', 'v', 'EXAT', String(NOW / 1000 + 86400)])).toEqual(['set', 'k', 'v', 'PXAT', String(NOW + 3_600_000)]);
    expect(run(['expireat', 'k', String(NOW / 1000 + 86400)])).toEqual(['pexpireat', 'k', String(NOW + 3_600_000)]);
    expect(run(['pexpireat', 'k', String(NOW + 10)])).toEqual(['pexpireat', 'k', String(NOW + 1000)]);
    expect(run(['getex', 'k', 'PXAT', String(NOW + 10)])).toEqual(['getex', 'k', 'PXAT', String(NOW + 1000)]);
  });

  it('leaves what is no TTL to clamp: deletions, past instants and bad numbers go to Redis as sent', () => {
    for (const args of [
      ['expire', 'k', '0'], ['pexpire', 'k', '-5'], ['expireat', 'k', '1'], ['set', 'k', 'v', 'EX', 'soon'], ['set', 'k', 'v', 'EX'],
      ['setex', 'k', '1.5', 'v'], ['persist', 'k'], ['getex', 'k', 'PERSIST'], ['getex', 'k'],
    ]) expect(run(args)).toEqual(args);
  });

  it('gives a SET without a TTL the default, and refuses PERSIST, when the token asks for the default', () => {
    expect(run(['set', 'k', 'v'], withDefault)).toEqual(['set', 'k', 'v', 'PX', '30000']);
    expect(run(['set', 'k', 'v', 'NX', 'GET'], withDefault)).toEqual(['set', 'k', 'v', 'NX', 'GET', 'PX', '30000']);
    expect(run(['set', 'k', 'v', 'KEEPTTL'], withDefault)).toEqual(['set', 'k', 'v', 'KEEPTTL']);
    expect(run(['set', 'k', 'v', 'EX', '86400'], withDefault)).toEqual(['set', 'k', 'v', 'PX', '3600000']);
    expect(run(['persist', 'k'], withDefault)).toMatch(/^ERR PERSIST is refused .*3600000 ms/);
    expect(run(['getex', 'k', 'persist'], withDefault)).toMatch(/^ERR PERSIST is refused/);
  });

  it('never sends a positive TTL outside [min, max]', () => {
    const command = fc.constantFrom('set-ex', 'set-px', 'setex', 'psetex', 'expire', 'pexpire', 'getex-ex', 'getex-px');
    fc.assert(fc.property(command, fc.integer({ min: 1, max: 10 ** 12 }), (which, n) => {
      const [name, option] = which.split('-');
      const args = name === 'set' ? ['set', 'k', 'v', option, String(n)]
        : name === 'getex' ? ['getex', 'k', option, String(n)]
          : name.endsWith('setex') ? [name, 'k', String(n), 'v'] : [name, 'k', String(n)];
      const out = run(args) as string[];
      const at = name === 'set' ? 4 : name === 'getex' ? 3 : 2;
      // The unit is the one the sent command names: EX, SETEX and EXPIRE count seconds.
      const unitName = name === 'set' || name === 'getex' ? out[at - 1].toLowerCase() : out[0];
      const ms = Number(out[at]) * (/^(ex|setex|expire)$/.test(unitName) ? 1000 : 1);
      expect(ms).toBeGreaterThanOrEqual(rule.minMs);
      expect(ms).toBeLessThanOrEqual(rule.maxMs);
    }));
  });
});
