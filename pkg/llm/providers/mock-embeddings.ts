import { createHash } from 'node:crypto';
import { invalid } from '../errors.ts';

/** Dimensions of the mock's vectors when the caller names none (those of text-embedding-3-small, so dev stores fit). */
export const MOCK_EMBEDDING_DIMENSIONS = 1536;

/**
 * The mock provider's `POST /v1/embeddings` answer, in the OpenAI shape: one
 * unit vector per input, a pure function of the input text (sha256 chained as
 * the source of its components), so a dev stack's vector store gives the same
 * neighbours on every run and identical texts match exactly. `dimensions`
 * sets the length (default 1536); `encoding_format: "base64"` (the `openai`
 * SDK's default) gives little-endian float32, as OpenAI does.
 */
export function mockEmbeddings(body: Record<string, unknown>, model: string): { json: unknown; inputTokens: number } {
  const input = body.input;
  const inputs: unknown[] = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input : [input];
  if (input === undefined || input === null || inputs.length === 0) throw invalid('input is required: a string, an array of strings, or token arrays', 'input');
  const dims = body.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  if (!Number.isInteger(dims) || (dims as number) < 1 || (dims as number) > 8192) throw invalid('dimensions must be an integer from 1 to 8192', 'dimensions');
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') throw invalid('encoding_format must be float or base64', 'encoding_format');
  let tokens = 0;
  const data = inputs.map((item, index) => {
    const text = typeof item === 'string' ? item : JSON.stringify(item);
    if (typeof item !== 'string' && !Array.isArray(item)) throw invalid(`input[${index}] must be a string or an array of token ids`, `input[${index}]`);
    tokens += Array.isArray(item) ? item.length : Math.max(1, Math.ceil(text.length / 4));
    const v = unitVector(text, dims as number);
    return { object: 'embedding', index, embedding: format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v) };
  });
  return { json: { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }, inputTokens: tokens };
}

function unitVector(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  let block = createHash('sha256').update(text).digest();
  let norm = 0;
  for (let i = 0, j = 0; i < dims; i++, j += 2) {
    if (j + 2 > block.length) { block = createHash('sha256').update(block).digest(); j = 0; }
    const x = block.readUInt16LE(j) / 0xffff - 0.5;
    v[i] = x;
    norm += x * x;
  }
  const scale = 1 / (Math.sqrt(norm) || 1);
  for (let i = 0; i < dims; i++) v[i] *= scale;
  return v;
}
