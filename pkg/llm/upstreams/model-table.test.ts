import { describe, expect, it } from 'vitest';
import { globToRegExp, ModelTable } from './model-table.ts';

describe('ModelTable', () => {
  const t = new ModelTable([
    { name: 'vllm-a', models: ['meta-llama/Llama-3.1-8B', 'qwen/*'] },
    { name: 'vllm-b', models: ['meta-llama/*'] },
    { name: 'ollama', models: ['llama3.2:?b'] },
    { name: 'any', models: ['*'] },
  ]);

  it('prefers exact ids over globs, and globs cross slashes', () => {
    expect(t.serving('meta-llama/Llama-3.1-8B')).toEqual(['vllm-a']);
    expect(t.serving('meta-llama/Llama-3.1-70B')).toEqual(['vllm-b', 'any']);
    expect(t.serving('qwen/Qwen2.5-7B')).toEqual(['vllm-a', 'any']);
    expect(t.serving('llama3.2:1b')).toEqual(['ollama', 'any']);
    expect(t.serving('llama3.2:10b')).toEqual(['any']);
  });

  it('treats regex characters as literals', () => {
    expect(globToRegExp('a.b+(c)').test('a.b+(c)')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('lists exact ids only', () => {
    expect(t.listed()).toEqual([{ name: 'vllm-a', model: 'meta-llama/Llama-3.1-8B' }]);
  });
});
