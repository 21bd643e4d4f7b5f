import { describe, expect, it } from 'vitest';
import { RATELIMIT_SCRIPT_SHAS, ScriptGate, compatibleScript, parseScriptShas, sha1 } from './scripts.ts';

describe('parseScriptShas', () => {
  it('reads comma- or space-separated SHA-1s, lower-cased, and refuses anything else by position', () => {
    expect(parseScriptShas('')).toEqual([]);
    expect(parseScriptShas(`${'A'.repeat(40)}, ${'b'.repeat(40)}\n`)).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
    expect(() => parseScriptShas(`${'a'.repeat(40)},nope`)).toThrow('entry #2 is not a SHA-1');
  });
});

describe('compatibleScript', () => {
  it('drops allow-key-locking, the shebang flag Redis 7.0 rejects', () => {
    expect(compatibleScript('#!lua flags=allow-key-locking\nreturn 1')).toBe('#!lua\nreturn 1');
    expect(compatibleScript('#!lua flags=allow-key-locking,no-writes\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
    expect(compatibleScript('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
  });

  it('leaves every other script as it is', () => {
    for (const body of ['return 1', '#!lua\nreturn 1', '#!lua flags=no-writes\nreturn 1', '  #!lua flags=allow-key-locking\n', '-- #!lua flags=allow-key-locking']) {
      expect(compatibleScript(body)).toBe(body);
    }
  });
});

describe('ScriptGate', () => {
  const locking = '#!lua flags=allow-key-locking\nreturn redis.call("GET", KEYS[1])';

  it('refuses a script that is not allowlisted unless the token is trusted', () => {
    const gate = new ScriptGate();
    expect(gate.body('return 1', false)).toMatchObject({ ok: false, error: expect.stringMatching(/^ERR script refused/) });
    expect(gate.sha(sha1('return 1'), false)).toMatchObject({ ok: false });
    expect(gate.body('return 1', true)).toEqual({ ok: true, send: 'return 1' });
    expect(gate.sha(sha1('return 1'), true)).toEqual({ ok: true, send: sha1('return 1') });
  });

  it('allows the @upstash/ratelimit scripts by SHA, in any case', () => {
    const gate = new ScriptGate();
    expect(RATELIMIT_SCRIPT_SHAS.length).toBeGreaterThanOrEqual(6);
    for (const sha of RATELIMIT_SCRIPT_SHAS) {
      expect(gate.sha(sha, false)).toEqual({ ok: true, send: sha });
      expect(gate.sha(sha.toUpperCase(), false)).toEqual({ ok: true, send: sha });
    }
  });

  it('allows configured bodies and SHAs, and maps the SHA of a rewritten script both ways', () => {
    const gate = new ScriptGate({ allowedBodies: [locking], allowedShas: ['AB'.repeat(20)] });
    const stripped = compatibleScript(locking);
    expect(gate.body(locking, false)).toEqual({ ok: true, send: stripped });
    // EVALSHA with the SHA the client computed goes to Redis as the SHA of what Redis got.
    expect(gate.sha(sha1(locking), false)).toEqual({ ok: true, send: sha1(stripped) });
    expect(gate.redisSha(sha1(locking))).toBe(sha1(stripped));
    expect(gate.clientSha(sha1(stripped))).toBe(sha1(locking));
    expect(gate.clientSha('f'.repeat(40))).toBe('f'.repeat(40));
    expect(gate.sha('ab'.repeat(20), false)).toMatchObject({ ok: true });
  });

  it('learns the mapping of a trusted script when it first sees its text', () => {
    const gate = new ScriptGate();
    const body = '#!lua flags=allow-key-locking\nreturn 2';
    expect(gate.sha(sha1(body), true)).toEqual({ ok: true, send: sha1(body) }); // unknown yet: Redis answers NOSCRIPT, the client sends the text
    gate.body(body, true);
    expect(gate.sha(sha1(body), true)).toEqual({ ok: true, send: sha1(compatibleScript(body)) });
  });
});
