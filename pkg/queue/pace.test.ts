import { describe, expect, it } from 'vitest';
import { batchSchedule } from './pace.ts';

describe('batchSchedule', () => {
  it('spreads batches over time at the rate', () => {
    expect(batchSchedule(25, 10, 10)).toEqual([{ at: 0, size: 10 }, { at: 1000, size: 10 }, { at: 2000, size: 5 }]);
  });
  it('sends everything at once at rate 0, nothing for count 0, and rejects nonsense', () => {
    expect(batchSchedule(3, 0, 2)).toEqual([{ at: 0, size: 2 }, { at: 0, size: 1 }]);
    expect(batchSchedule(0, 5, 1)).toEqual([]);
    expect(() => batchSchedule(-1, 5, 1)).toThrow(RangeError);
    expect(() => batchSchedule(1, Number.NaN, 1)).toThrow(RangeError);
    expect(() => batchSchedule(1, 1, 0)).toThrow(RangeError);
  });
});
