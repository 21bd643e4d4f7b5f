import { describe, expect, it } from 'vitest';
import { parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['100m', 0.1], ['2', 2], ['0.5', 0.5], ['.5', 0.5], ['64Mi', 64 * 2 ** 20], ['1Gi', 2 ** 30], ['1G', 1e9], ['1k', 1000], ['1e3', 1000], ['1E', 1e18],
  ])('%s is %d', (text, value) => expect(parseQuantity(text)).toBe(value));

  it.each(['', '-1', '1MB', '1 Gi', 'abc', '1mi', '1.2.3', 'Mi'])('refuses %j', (text) => expect(parseQuantity(text)).toBeUndefined());
});
