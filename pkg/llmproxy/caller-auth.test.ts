import { describe, expect, it } from 'vitest';
import { callerCheck, callerKey } from './caller-auth.ts';

describe('callerKey', () => {
  it('reads the key where each SDK sends it', () => {
    expect(callerKey({ authorization: 'Bearer sk-1' })).toBe('sk-1');
    expect(callerKey({ 'x-api-key': 'sk-2' })).toBe('sk-2');
    expect(callerKey({ 'api-key': 'sk-3' })).toBe('sk-3');
    expect(callerKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(callerKey({})).toBeUndefined();
  });
});

describe('callerCheck', () => {
  it('lets everyone through without tokens', () => {
    expect(callerCheck([])({})).toBe(true);
  });

  it('accepts any configured token (rotation) and refuses others or none', () => {
    const check = callerCheck(['old-token-123', 'new-token-456']);
    expect(check({ authorization: 'Bearer old-token-123' })).toBe(true);
    expect(check({ 'x-api-key': 'new-token-456' })).toBe(true);
    expect(check({ authorization: 'Bearer wrong' })).toBe(false);
    expect(check({ 'x-api-key': 'new-token-45' })).toBe(false);
    expect(check({})).toBe(false);
  });
});
