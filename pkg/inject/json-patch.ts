import type { JsonPatchOp } from './types.ts';

/**
 * Applies `add`/`replace` operations as the API server does (RFC 6902: the
 * parent must exist, an array index may be at most the length, `-` appends),
 * to a copy. Used to check patches and to preview an injection.
 */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  const root = { value: structuredClone(doc) as unknown };
  for (const op of ops) {
    const segments = op.path.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    let parent: unknown = root;
    let key = 'value';
    for (const seg of segments) {
      const next = (parent as Record<string, unknown>)[key];
      if (next === null || typeof next !== 'object') throw new Error(`${op.op} ${op.path}: parent does not exist`);
      parent = next;
      key = seg;
    }
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : Number(key);
      if (!Number.isInteger(index) || index < 0 || index > parent.length || (op.op === 'replace' && index >= parent.length)) throw new Error(`${op.op} ${op.path}: index out of range`);
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else parent[index] = structuredClone(op.value);
    } else {
      const obj = parent as Record<string, unknown>;
      if (op.op === 'replace' && !(key in obj)) throw new Error(`replace ${op.path}: no such member`);
      obj[key] = structuredClone(op.value);
    }
  }
  return root.value as T;
}
