import { describe, expect, it } from 'vitest';
import { concernsFlagsFile } from './watch-filter.ts';

describe('concernsFlagsFile', () => {
  it('rereads for the file itself, a ConfigMap swap, and nameless events', () => {
    expect(concernsFlagsFile('flags.yaml', 'flags.yaml')).toBe(true);
    expect(concernsFlagsFile('..data', 'flags.yaml')).toBe(true);
    expect(concernsFlagsFile('..2026_12_02_09_00_00.123', 'flags.yaml')).toBe(true);
    expect(concernsFlagsFile(null, 'flags.yaml')).toBe(true);
  });

  it('ignores other files of the directory', () => {
    expect(concernsFlagsFile('app.log', 'flags.yaml')).toBe(false);
    expect(concernsFlagsFile('flags.yaml.bak', 'flags.yaml')).toBe(false);
    expect(concernsFlagsFile('other.yaml', 'flags.yaml')).toBe(false);
  });
});
