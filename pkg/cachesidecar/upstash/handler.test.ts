import { describe, expect, it } from 'vitest';
import { isUpstashPath } from './handler.ts';

describe('isUpstashPath', () => {
  it('claims /upstash and every path below it, and nothing else', () => {
    for (const url of ['/upstash', '/upstash/', '/upstash?_token=x', '/upstash/pipeline', '/upstash/get/k']) expect(isUpstashPath(url)).toBe(true);
    for (const url of ['/upstashx', '/upstash-pipeline', '/v1/cache/upstash/s/k', '/', '/Upstash']) expect(isUpstashPath(url)).toBe(false);
  });
});
