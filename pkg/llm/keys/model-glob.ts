/**
 * Model patterns of a client key: an exact id, or a glob where `*` stands for
 * any run of characters (slashes included: `meta-llama/*`) and `?` for one.
 */
export type ModelMatcher = (model: string) => boolean;

export function modelMatcher(patterns: readonly string[]): ModelMatcher {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (!/[*?]/.test(p)) { exact.add(p); continue; }
    const body = p.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
    globs.push(new RegExp(`^${body}$`, 's'));
  }
  return (model) => exact.has(model) || globs.some((g) => g.test(model));
}
