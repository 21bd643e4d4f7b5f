import { describe, expect, it } from 'vitest';
import { LlmError } from '../errors.ts';
import { MOCK_EMBEDDING_DIMENSIONS, mockEmbeddings } from './mock-embeddings.ts';

const vectors = (body: Record<string, unknown>) => (mockEmbeddings(body, 'embed').json as { data: { index: number; embedding: number[] | string }[] }).data;

describe('mockEmbeddings', () => {
  it('gives one unit vector per input, the same for the same text and another for another text', () => {
    const [a, b, c] = vectors({ input: ['alpha', 'beta', 'alpha'] });
    expect([a.index, b.index, c.index]).toEqual([0, 1, 2]);
    expect(a.embedding).toHaveLength(MOCK_EMBEDDING_DIMENSIONS);
    expect(a.embedding).toEqual(c.embedding);
    expect(a.embedding).not.toEqual(b.embedding);
    expect(Math.hypot(...(a.embedding as number[]))).toBeCloseTo(1, 5);
    expect(vectors({ input: 'alpha' })[0].embedding).toEqual(a.embedding);
  });

  it('honours dimensions and base64 (little-endian float32, as OpenAI sends it)', () => {
    const float = vectors({ input: 'x', dimensions: 16 })[0].embedding as number[];
    const b64 = vectors({ input: 'x', dimensions: 16, encoding_format: 'base64' })[0].embedding as string;
    const buf = Buffer.from(b64, 'base64');
    const decoded = Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
    expect(float).toHaveLength(16);
    expect(decoded).toEqual(float);
  });

  it('takes token arrays, counts usage, and refuses bad input naming the field', () => {
    const r = mockEmbeddings({ input: [[1, 2, 3], [4]] }, 'embed');
    expect(r.inputTokens).toBe(4);
    expect(r.json).toMatchObject({ object: 'list', model: 'embed', usage: { prompt_tokens: 4, total_tokens: 4 } });
    for (const [body, param] of [[{}, 'input'], [{ input: 'x', dimensions: 0 }, 'dimensions'], [{ input: 'x', encoding_format: 'hex' }, 'encoding_format'], [{ input: [{}] }, 'input[0]']] as const) {
      expect(() => mockEmbeddings(body, 'embed')).toThrow(LlmError);
      try { mockEmbeddings(body, 'embed'); } catch (e) { expect(e).toMatchObject({ kind: 'invalid_request', param }); }
    }
  });
});
