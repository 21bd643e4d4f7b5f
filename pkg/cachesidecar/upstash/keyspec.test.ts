import { describe, expect, it } from 'vitest';
import { KEY_SPECS, keyPositions, specOf, type KeySpec } from './keyspec.ts';

const positions = (command: string[]) => {
  const spec = specOf(command[0]);
  if ('refused' in spec) throw new Error(spec.refused);
  return keyPositions(spec, command);
};

describe('key spec table', () => {
  it.each([
    [['get', 'k'], [1]],
    [['set', 'k', 'v', 'ex', '10'], [1]],
    [['hset', 'h', 'f', 'v', 'g', 'w'], [1]],
    [['zadd', 'z', '1', 'm'], [1]],
    [['del', 'a', 'b', 'c'], [1, 2, 3]],
    [['exists', 'a'], [1]],
    [['mget', 'a', 'b'], [1, 2]],
    [['mset', 'a', '1', 'b', '2'], [1, 3]],
    [['lmove', 'src', 'dst', 'left', 'right'], [1, 2]],
    [['smove', 'src', 'dst', 'member'], [1, 2]],
    [['zunionstore', 'dst', '2', 'a', 'b', 'weights', '1', '2'], [1, 3, 4]],
    [['zunion', '2', 'a', 'b', 'withscores'], [2, 3]],
    [['eval', 'return 1', '2', 'k1', 'k2', 'arg'], [3, 4]],
    [['evalsha', 'abc', '0', 'arg'], []],
    [['ping'], []],
    [['scan', '0', 'match', '*'], []],
  ])('%j has keys at %j', (command, expected) => {
    expect(positions(command)).toEqual(expected);
  });

  it('never reads a numkeys that is not a count the command carries', () => {
    for (const command of [['eval', 's', '-1'], ['eval', 's', '3', 'a', 'b'], ['eval', 's', 'x'], ['zunionstore', 'd', '1e3', 'a'], ['sintercard', '01', 'a']]) {
      const spec = specOf(command[0]) as KeySpec;
      expect(keyPositions(spec, command)).toMatchObject({ refused: expect.stringMatching(/^ERR numkeys/) });
    }
  });

  it.each(['flushall', 'flushdb', 'config', 'client', 'debug', 'select', 'migrate', 'shutdown', 'subscribe', 'publish', 'sort', 'copy', 'blpop', 'multi', 'dbsize', 'randomkey', 'function', 'object'])('refuses %s and says why', (name) => {
    const spec = specOf(name);
    expect(spec).toMatchObject({ refused: expect.stringMatching(new RegExp(`^ERR '${name}' is refused by the cache sidecar: .{10,}`)) });
  });

  it('refuses a command it does not know, naming it', () => {
    expect(specOf('xadd')).toEqual({ refused: expect.stringContaining("'xadd' is not supported") });
    expect(specOf('nosuchcommand')).toHaveProperty('refused');
  });

  it('lists every key-taking command with a kind that names its key positions', () => {
    for (const [name, spec] of KEY_SPECS) {
      expect(name).toBe(name.toLowerCase());
      expect(['none', 'first', 'two', 'all', 'pairs', 'destNumkeys', 'numkeys', 'script', 'scan', 'keys', 'scriptAdmin']).toContain(spec.kind);
    }
  });
});
