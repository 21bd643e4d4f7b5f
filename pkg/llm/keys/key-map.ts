/**
 * `LLM_PROXY_KEYS`: a JSON map of client key → `{tenant, models, rpm, tpm,
 * monthlyBudgetUsd}`. Keys are kept only as SHA-256 digests; an error names
 * the entry by its position, never by the key.
 */
import { createHash } from 'node:crypto';
import { isValidName } from '../../kv/index.ts';
import { modelMatcher, type ModelMatcher } from './model-glob.ts';

export interface KeyEntry {
  /** A short, stable, non-reversible id (the first 16 hex digits of the key's SHA-256): names the key's counters in Redis. */
  id: string;
  tenant: string;
  /** Models the key may call (ids or globs); undefined: any. */
  models?: ModelMatcher;
  rpm?: number;
  tpm?: number;
  monthlyBudgetUsd?: number;
}

/** Keys by the hex SHA-256 of the key. */
export type KeyMap = ReadonlyMap<string, KeyEntry>;

export const keyDigest = (key: string): Buffer => createHash('sha256').update(key).digest();

const FIELDS = new Set(['tenant', 'models', 'rpm', 'tpm', 'monthlyBudgetUsd']);

export function parseKeyMap(text: string | undefined): KeyMap {
  const map = new Map<string, KeyEntry>();
  if (text === undefined || text.trim() === '') return map;
  let json: unknown;
  try { json = JSON.parse(text); } catch { throw new Error('expected a JSON object of key → {tenant, models, rpm, tpm, monthlyBudgetUsd}'); }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('expected a JSON object of key → {tenant, models, rpm, tpm, monthlyBudgetUsd}');
  let n = 0;
  for (const [key, value] of Object.entries(json)) {
    n += 1;
    const where = `entry ${n}`;
    if (key.length < 16) throw new Error(`${where}: a key must be at least 16 characters`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object`);
    const v = value as Record<string, unknown>;
    for (const f of Object.keys(v)) if (!FIELDS.has(f)) throw new Error(`${where}: unknown field ${JSON.stringify(f).slice(0, 40)}`);
    if (!isValidName(v.tenant)) throw new Error(`${where}: tenant must match [A-Za-z0-9._-]{1,64}`);
    const entry: KeyEntry = { id: '', tenant: v.tenant };
    if (v.models !== undefined) {
      if (!Array.isArray(v.models) || !v.models.every((m) => typeof m === 'string' && m.length > 0)) throw new Error(`${where}: models must be a list of model ids or globs`);
      entry.models = modelMatcher(v.models as string[]);
    }
    for (const f of ['rpm', 'tpm'] as const) {
      if (v[f] === undefined) continue;
      if (!Number.isInteger(v[f]) || (v[f] as number) < 0) throw new Error(`${where}: ${f} must be a whole number ≥ 0`);
      entry[f] = v[f] as number;
    }
    if (v.monthlyBudgetUsd !== undefined) {
      if (typeof v.monthlyBudgetUsd !== 'number' || !Number.isFinite(v.monthlyBudgetUsd) || v.monthlyBudgetUsd < 0) throw new Error(`${where}: monthlyBudgetUsd must be a number ≥ 0`);
      entry.monthlyBudgetUsd = v.monthlyBudgetUsd;
    }
    const hex = keyDigest(key).toString('hex');
    entry.id = hex.slice(0, 16);
    map.set(hex, entry);
  }
  return map;
}
