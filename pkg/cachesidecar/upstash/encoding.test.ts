import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeResult, resultJson, textOf } from './encoding.ts';

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

  it('encodes bytes as they are: a value that is not UTF-8 comes back exact in base64', () => {
    const bytes = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80]);
    expect(Buffer.from(encodeResult(bytes, true) as string, 'base64')).toEqual(bytes);
    expect(JSON.parse(resultJson([bytes, 7, null], true))).toEqual([bytes.toString('base64'), 7, null]);
    expect(resultJson(Buffer.from('OK'), true)).toBe('"OK"');
    expect(resultJson([Buffer.from('OK')], true)).toBe(`["${Buffer.from('OK').toString('base64')}"]`);
    expect(textOf([Buffer.from('a'), [Buffer.from('b')], 1])).toEqual(['a', ['b'], 1]);
  });

  it('writes the same JSON as JSON.stringify(encodeResult(...)), for strings and bytes alike', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)), fc.constant('OK'));
    const reply = fc.oneof(leaf, fc.array(fc.oneof(leaf, fc.array(leaf, { maxLength: 3 })), { maxLength: 4 }));
    fc.assert(fc.property(reply, fc.boolean(), (value, base64) => {
      expect(resultJson(value, base64)).toBe(JSON.stringify(encodeResult(value, base64)));
    }));
  });
});
