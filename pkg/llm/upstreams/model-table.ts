/**
 * Which named upstreams serve a model, by the ids and globs of their `models` lists. An exact id wins over a
 * glob: `meta-llama/Llama-3.1-8B` listed by one upstream is served there even when another lists `*`.
 */
export interface ServedModel { name: string; models: readonly string[] }

interface Compiled { name: string; exact: Set<string>; globs: RegExp[] }

/**
 * `*` matches any run of characters, slashes included (model ids are not paths: `meta-llama/*`), `?` one
 * character; everything else is literal. Hand-written rather than picomatch: path globbing would stop `*` at `/`.
 */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) src += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${src}$`);
}

const isGlob = (m: string) => m.includes('*') || m.includes('?');

export class ModelTable {
  readonly #upstreams: Compiled[];

  constructor(upstreams: readonly ServedModel[]) {
    this.#upstreams = upstreams.map((u) => ({
      name: u.name,
      exact: new Set(u.models.filter((m) => !isGlob(m))),
      globs: u.models.filter(isGlob).map(globToRegExp),
    }));
  }

  /** The upstreams listing `model` by its exact id; else those whose glob matches; in configuration order. Empty: none. */
  serving(model: string): string[] {
    const exact = this.#upstreams.filter((u) => u.exact.has(model)).map((u) => u.name);
    if (exact.length) return exact;
    return this.#upstreams.filter((u) => u.globs.some((g) => g.test(model))).map((u) => u.name);
  }

  /** Every exact model id, with the upstream listing it (for `GET /v1/models`). */
  listed(): { name: string; model: string }[] {
    return this.#upstreams.flatMap((u) => [...u.exact].map((model) => ({ name: u.name, model })));
  }
}
