import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { classifyError } from './taxonomy.ts';

class ValidationError extends Error {}
const withFields = (fields: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), fields);

describe('classifyError', () => {
  it('maps names, codes and statuses to the six types', () => {
    expect(classifyError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(classifyError(withFields({ code: 'ETIMEDOUT' }))).toBe('timeout');
    expect(classifyError(withFields({ status: 429 }))).toBe('rate_limited');
    expect(classifyError(withFields({ statusCode: 503 }))).toBe('upstream');
    expect(classifyError(withFields({ code: 'ECONNREFUSED' }))).toBe('upstream');
    expect(classifyError(new ValidationError('bad'))).toBe('validation');
    expect(classifyError(withFields({ status: 422 }))).toBe('validation');
    expect(classifyError(new UnrecoverableError('stop'))).toBe('unrecoverable');
    expect(classifyError(new Error('boom'))).toBe('other');
    expect(classifyError('a string')).toBe('other');
    expect(classifyError(undefined)).toBe('other');
  });

  it('prefers tags, then looks through causes', () => {
    expect(classifyError(Object.assign(new UnrecoverableError('bad data'), { tags: ['validation'] }))).toBe('validation');
    expect(classifyError(withFields({ errorType: 'upstream', status: 429 }))).toBe('upstream');
    expect(classifyError(new Error('wrap', { cause: withFields({ code: 'ECONNRESET' }) }))).toBe('upstream');
  });

  it('asks the app classifier first and ignores unknown answers or throws', () => {
    expect(classifyError(new Error('x'), () => 'rate_limited')).toBe('rate_limited');
    expect(classifyError(withFields({ status: 429 }), () => 'not-a-type')).toBe('rate_limited');
    expect(classifyError(withFields({ status: 429 }), () => { throw new Error('bug'); })).toBe('rate_limited');
    expect(classifyError(new Error('x'), () => undefined)).toBe('other');
  });
});
