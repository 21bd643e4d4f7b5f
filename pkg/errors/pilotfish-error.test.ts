import { describe, expect, it } from 'vitest';
import { PilotfishError, httpStatusOf } from './index.ts';

describe('PilotfishError', () => {
  it('keeps code, message and cause, and leaves status out unless given', () => {
    const cause = new Error('socket closed');
    const err = new PilotfishError('backend_down', 'the backend did not answer', { cause });
    expect(err).toBeInstanceOf(Error);
    expect([err.code, err.message, err.cause, err.status]).toEqual(['backend_down', 'the backend did not answer', cause, undefined]);
    expect('status' in err).toBe(false);
    expect(JSON.parse(JSON.stringify(err))).toEqual({ error: { code: 'backend_down', message: 'the backend did not answer' } });
  });

  it('maps to an HTTP status at an edge: own status first, then the edge\'s code table, else 500', () => {
    const table = { not_found: 404 };
    expect(httpStatusOf(new PilotfishError('x', 'm', { status: 409 }), table)).toBe(409);
    expect(httpStatusOf(new PilotfishError('not_found', 'm'), table)).toBe(404);
    expect(httpStatusOf(new PilotfishError('unmapped', 'm'), table)).toBe(500);
    expect(httpStatusOf(new Error('not ours'), table)).toBe(500);
    expect(httpStatusOf(new PilotfishError('toString', 'm'), table)).toBe(500);
  });
});
