import { describe, expect, it } from 'vitest';
import { createLogger, SecretMasker, captureLogs } from './index.ts';

function setup() {
  const masker = new SecretMasker();
  const out = captureLogs();
  const log = createLogger({ name: 't', level: 'trace', destination: out.stream, masker });
  return { masker, out, log };
}

describe('createLogger', () => {
  it('masks a registered secret wherever it appears, at every level', () => {
    const { masker, out, log } = setup();
    const token = 'tok_"quoted"\\and-more';
    masker.add(token);
    log.trace({ note: `the token is ${token}` }, 'trace');
    log.info(`msg ${token}`);
    log.error({ err: new Error(`failed with ${token}`) }, 'boom');
    log.warn({ nested: { deep: [token] } }, 'warn');
    expect(out.lines).toHaveLength(4);
    for (const line of out.lines) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(JSON.stringify(token).slice(1, -1));
      expect(line).toContain('[REDACTED]');
    }
  });

  it('masks passwords inside URLs even when unregistered', () => {
    const { out, log } = setup();
    log.info({ url: 'redis://default:hunter22@cache.internal:6379/0' }, 'connecting to rediss://u:p4ss@h:1');
    expect(out.text()).not.toContain('hunter22');
    expect(out.text()).not.toContain('p4ss');
    expect(out.text()).toContain('cache.internal');
  });

  it('redacts secret-named fields by path', () => {
    const { out, log } = setup();
    log.info({ headers: { authorization: 'Bearer abc' }, password: 'pw-value' }, 'req');
    expect(out.text()).not.toContain('Bearer abc');
    expect(out.text()).not.toContain('pw-value');
  });

  it('masks URL-encoded spellings and registered URL passwords', () => {
    const { masker, out, log } = setup();
    masker.addUrlPassword('redis://:s3cr%2Ft@localhost:6379');
    log.info('connect ?pw=s3cr%2Ft and s3cr/t');
    expect(out.text()).not.toMatch(/s3cr/);
  });
});
