import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['250', 250], ['500ms', 500], ['15s', 15_000], ['5m', 300_000], ['1h', 3_600_000], ['1.5s', 1500], [42, 42], [' 2s ', 2000],
  ])('%s → %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['', 'abc', '-5', '5d', '1e3', '5 s', null, {}, -1, Number.NaN, Infinity])('rejects %s', (input) =>
    expect(parseDuration(input)).toBeUndefined(),
  );
});
