import { describe, expect, it } from 'vitest';
import { encodeResult } from './encoding.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('encodeResult', () => {
  it('encodes strings as Upstash does: base64 except a top-level OK; numbers and null untouched', () => {
    expect(encodeResult('OK', true)).toBe('OK');
    expect(encodeResult('héllo', true)).toBe(b64('héllo'));
    expect(encodeResult(42, true)).toBe(42);
    expect(encodeResult(null, true)).toBe(null);
    expect(encodeResult('', true)).toBe('');
  });

  it('encodes arrays element by element, all the way down, OK included', () => {
    expect(encodeResult(['a', 1, null, ['b', ['OK']]], true)).toEqual([b64('a'), 1, null, [b64('b'), [b64('OK')]]]);
  });

  it('leaves everything as it is without base64, and makes nested errors their text', () => {
    expect(encodeResult(['a', 1, null, 'OK'], false)).toEqual(['a', 1, null, 'OK']);
    expect(encodeResult([new Error('ERR inner')], false)).toEqual(['ERR inner']);
    expect(encodeResult(undefined, false)).toBe(null);
  });
});
