import { describe, expect, it } from 'vitest';
import { ownBytes } from './reply-bytes.ts';

describe('ownBytes', () => {
  it('copies a view out of a larger read chunk, so the chunk can be freed', () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const view = chunk.subarray(7, 7 + 1024);
    const owned = ownBytes(view);
    expect(owned.equals(view)).toBe(true);
    expect(owned.buffer).not.toBe(chunk.buffer);
    chunk.fill(0x62);
    expect(owned.every((b) => b === 0x61)).toBe(true);
  });

  it('copies a view that starts at the chunk but stops short of its end', () => {
    const chunk = Buffer.alloc(64 * 1024);
    expect(ownBytes(chunk.subarray(0, 100)).buffer).not.toBe(chunk.buffer);
  });

  it('passes on, without copying, bytes that own all of their memory', () => {
    const assembled = Buffer.allocUnsafeSlow(1024 * 1024).fill(0x63);
    expect(ownBytes(assembled)).toBe(assembled);
  });
});
