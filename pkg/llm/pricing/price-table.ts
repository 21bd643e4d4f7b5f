/**
 * The price table: what a model's tokens cost, in USD per million, from a
 * maintained default file (prices.json beside this module) or the file
 * `LLM_PRICES_FILE` names. Usage becomes cost here and nowhere else, so the
 * metrics and the monthly budgets agree to the cent.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Usage } from '../canonical.ts';

const price = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
}).strict();

const file = z.object({
  source: z.string().optional(),
  updated: z.string().optional(),
  models: z.record(z.string().min(1), price),
}).strict();

export type ModelPrice = z.infer<typeof price>;
export type PriceFile = z.infer<typeof file>;

export const DEFAULT_PRICES_FILE = new URL('./prices.json', import.meta.url).pathname;

// A dated or `-latest` release of a listed model costs what the model costs: gpt-4o-mini-2024-07-18, claude-sonnet-4-5-20250929.
const RELEASE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

export class PriceTable {
  readonly #prices: Map<string, ModelPrice>;
  readonly #resolved = new Map<string, ModelPrice | null>();
  readonly updated: string | undefined;

  constructor(data: PriceFile) {
    this.#prices = new Map(Object.entries(data.models));
    this.updated = data.updated;
  }

  /** Parses and checks a price file's text; the error names the field at fault. */
  static parse(text: string, origin = 'price table'): PriceTable {
    let json: unknown;
    try { json = JSON.parse(text); } catch { throw new Error(`${origin}: not JSON`); }
    const r = file.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`${origin}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return new PriceTable(r.data);
  }

  /** The table in `path`, or the maintained default when none is given. */
  static load(path?: string): PriceTable {
    const p = path || DEFAULT_PRICES_FILE;
    let text: string;
    try { text = readFileSync(p, 'utf8'); } catch (err) { throw new Error(`price table ${p}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err }); }
    return PriceTable.parse(text, `price table ${p}`);
  }

  /** The price of `model` (a `provider/` prefix and a release suffix are looked through); undefined when unlisted. */
  priceOf(model: string): ModelPrice | undefined {
    const known = this.#resolved.get(model);
    if (known !== undefined) return known ?? undefined;
    const found = this.#find(model);
    // Bounded like the metrics' model labels: callers choose model names.
    if (this.#resolved.size < 1000) this.#resolved.set(model, found ?? null);
    return found;
  }

  #find(model: string): ModelPrice | undefined {
    const exact = this.#prices.get(model);
    if (exact) return exact;
    const slash = model.indexOf('/');
    const bare = slash >= 0 ? model.slice(slash + 1) : model;
    if (bare !== model) { const p = this.#prices.get(bare); if (p) return p; }
    const m = RELEASE_SUFFIX.exec(bare);
    return m ? this.#prices.get(bare.slice(0, m.index)) : undefined;
  }

  /** USD for `usage` on `model`; undefined when the model is not in the table. */
  cost(model: string, usage: Usage): number | undefined {
    const p = this.priceOf(model);
    return p ? costOf(p, usage) : undefined;
  }
}

/**
 * USD for one answer's usage. `inputTokens` includes the prompt-cache reads and writes (canonical.ts), so they are
 * taken out of it and priced at their own rates (the input price when the table gives none).
 */
export function costOf(p: ModelPrice, u: Usage): number {
  const read = u.cacheReadTokens ?? 0;
  const write = u.cacheWriteTokens ?? 0;
  const plain = Math.max(0, u.inputTokens - read - write);
  return (plain * p.input + read * (p.cachedInput ?? p.input) + write * (p.cacheWrite ?? p.input) + u.outputTokens * p.output) / 1_000_000;
}
