import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSimpleCommand } from './command-json.ts';
import { commandArgs } from './rewrite.ts';

const parse = (text: string) => parseSimpleCommand(Buffer.from(text, 'utf8'));

describe('parseSimpleCommand', () => {
  it('reads what @upstash/redis sends for a single command', () => {
    expect(parse('["get","k1k"]')).toEqual(['get', 'k1k']);
    expect(parse('["set","k","v","ex",100]')).toEqual(['set', 'k', 'v', 'ex', '100']);
    expect(parse('["incrby","k",-5]')).toEqual(['incrby', 'k', '-5']);
    expect(parse('["ping"]')).toEqual(['ping']);
    expect(parse('["set","",""]')).toEqual(['set', '', '']);
    expect(parse('["zadd","z",0,"m"]')).toEqual(['zadd', 'z', '0', 'm']);
  });

  it('leaves every other shape to JSON.parse', () => {
    for (const text of [
      '[]', '[1,"k"]', '["get","k\\"x"]', '["get","\u00e9"]', '[ "get","k"]', '["get", "k"]', '["get","k"] ', '["set","k",true]',
      '["set","k",1.5]', '["set","k",1e3]', '["set","k",007]', '["set","k",-0]', '["set","k",1234567890123456]', '["get",["k"]]',
      '["get","k",]', '["get""k"]', '["get","k"', '{"get":"k"}', '["get","k\tx"]', `["set","k","${'x'.repeat(600)}"]`,
    ]) expect(parse(text)).toBeUndefined();
  });

  it('agrees with JSON.parse and commandArgs on every body it accepts', () => {
    const arg = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -1e15 + 1, max: 1e15 - 1 }), fc.boolean(), fc.double());
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.array(arg, { maxLength: 6 }), (name, rest) => {
      const text = JSON.stringify([name, ...rest]);
      const fast = parse(text);
      if (fast !== undefined) expect(fast).toEqual(commandArgs(JSON.parse(text)));
    }), { numRuns: 2000 });
  });
});
