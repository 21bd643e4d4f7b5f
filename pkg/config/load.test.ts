import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError, str, port, duration, flag, commaList, intInRange } from './index.ts';

describe('loadConfig', () => {
  it('returns typed values with defaults', () => {
    const cfg = loadConfig(
      { PORT: port({ default: 7700 }), TIMEOUT: duration({ default: 100 }), ON: flag({ default: false }), LIST: commaList({ default: [] }) },
      { TIMEOUT: '2s', ON: 'yes', LIST: 'a, b,,c' },
    );
    expect(cfg.PORT).toBe(7700);
    expect(cfg.TIMEOUT).toBe(2000);
    expect(cfg.ON).toBe(true);
    expect(cfg.LIST).toEqual(['a', 'b', 'c']);
  });

  it('reads the boolean forms validators.ts documents for flag, and refuses others', () => {
    const read = (v: string) => loadConfig({ F: flag() }, { F: v }).F;
    for (const v of ['true', 'TRUE', '1', 'yes', ' Yes ', 'on', 'ON']) expect(read(v), v).toBe(true);
    for (const v of ['false', 'False', '0', 'no', 'off', 'OFF']) expect(read(v), v).toBe(false);
    for (const v of ['t', 'f', 'maybe', '2']) expect(() => read(v), v).toThrow(ConfigError);
  });

  it('names every missing variable in one error', () => {
    const run = () => loadConfig({ A: str(), B: str(), C: str({ default: 'x' }) }, {});
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (err) {
      expect((err as ConfigError).missing).toEqual(['A', 'B']);
      expect((err as ConfigError).message).toContain('missing required environment variable A');
    }
  });

  it('never quotes an invalid value, which may be a secret', () => {
    const secret = 'sk-supersecret-value-123';
    try {
      loadConfig({ P: port(), N: intInRange(1, 5)() }, { P: secret, N: secret });
      expect.unreachable();
    } catch (err) {
      const e = err as ConfigError;
      expect(e.invalid.map((i) => i.name).sort()).toEqual(['N', 'P']);
      expect(e.message).not.toContain(secret);
    }
  });

  it('uses devDefault outside production only', () => {
    const specs = { KEY: str({ devDefault: 'dev' }) };
    expect(loadConfig(specs, { NODE_ENV: 'development' }).KEY).toBe('dev');
    expect(() => loadConfig(specs, { NODE_ENV: 'production' })).toThrow(/KEY/);
  });
});
