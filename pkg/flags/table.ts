// The flags table: parsing a flags file, applying env overrides and deciding a
// flag for a tenant. No I/O here; the provider reads files and watches them.
import YAML from 'yaml';
import { ConfigError } from '#pkg/config/index.ts';
import { PilotfishError } from '#pkg/errors/index.ts';

export const FLAG_KEYS = ['distributed-cache', 'llm-real-provider'] as const;
export type FlagKey = (typeof FLAG_KEYS)[number];

export interface FlagRule {
  default: boolean;
  /** Tenant → value; wins over `default` for that tenant. */
  tenants: Record<string, boolean>;
}
export type FlagTable = Record<FlagKey, FlagRule>;

/** Both flags are on unless a file or an override says otherwise. */
export const FLAG_DEFAULTS: Record<FlagKey, boolean> = { 'distributed-cache': true, 'llm-real-provider': true };

export function isFlagKey(name: string): name is FlagKey {
  return (FLAG_KEYS as readonly string[]).includes(name);
}

export function defaultTable(): FlagTable {
  const table = {} as FlagTable;
  for (const key of FLAG_KEYS) table[key] = { default: FLAG_DEFAULTS[key], tenants: {} };
  return table;
}

/** A flags file that cannot be used; the message names the file and the offending entry. */
export class FlagsFileError extends PilotfishError {
  declare readonly code: 'invalid_flags_file';
  readonly file: string;
  constructor(file: string, reason: string) {
    super('invalid_flags_file', `flags file ${file}: ${reason}`);
    this.name = 'FlagsFileError';
    this.file = file;
  }
}

// YAML 1.2 reads `on`/`off` as strings; accepting them keeps the file in the
// same words as the APP_FLAG_* overrides.
function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'on') return true;
  if (value === 'off') return false;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRule(file: string, key: FlagKey, raw: unknown): FlagRule {
  const shorthand = toBoolean(raw);
  if (shorthand !== undefined) return { default: shorthand, tenants: {} };
  if (!isPlainObject(raw)) throw new FlagsFileError(file, `${key}: expected true/false/on/off or { default, tenants }`);
  for (const field of Object.keys(raw)) {
    if (field !== 'default' && field !== 'tenants') throw new FlagsFileError(file, `${key}: unknown field "${field}" (allowed: default, tenants)`);
  }
  let value = FLAG_DEFAULTS[key];
  if (raw.default !== undefined) {
    const parsed = toBoolean(raw.default);
    if (parsed === undefined) throw new FlagsFileError(file, `${key}.default: expected true/false/on/off`);
    value = parsed;
  }
  // No prototype: a tenant named like an Object.prototype member stays a plain entry.
  const tenants = Object.create(null) as Record<string, boolean>;
  if (raw.tenants !== undefined && raw.tenants !== null) {
    if (!isPlainObject(raw.tenants)) throw new FlagsFileError(file, `${key}.tenants: expected a map of tenant to true/false`);
    for (const [tenant, tenantValue] of Object.entries(raw.tenants)) {
      if (tenant.trim() === '') throw new FlagsFileError(file, `${key}.tenants: empty tenant name`);
      const parsed = toBoolean(tenantValue);
      if (parsed === undefined) throw new FlagsFileError(file, `${key}.tenants.${tenant}: expected true/false/on/off`);
      tenants[tenant] = parsed;
    }
  }
  return { default: value, tenants };
}

/**
 * Parses a flags file (YAML or JSON: YAML 1.2 reads both). An empty file
 * means every flag at its default; an unknown flag name is refused, because
 * a misspelt flag would otherwise silently change nothing.
 */
export function parseFlagsFile(file: string, text: string): FlagTable {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { uniqueKeys: true });
  } catch (err) {
    throw new FlagsFileError(file, `not valid YAML or JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const table = defaultTable();
  if (doc === null || doc === undefined) return table;
  if (!isPlainObject(doc)) throw new FlagsFileError(file, 'expected a map of flag name to rule');
  for (const [name, raw] of Object.entries(doc)) {
    if (!isFlagKey(name)) throw new FlagsFileError(file, `unknown flag "${name}" (known: ${FLAG_KEYS.join(', ')})`);
    table[name] = parseRule(file, name, raw);
  }
  return table;
}

/** `distributed-cache` → `APP_FLAG_DISTRIBUTED_CACHE`. */
export function overrideVariable(key: FlagKey): string {
  return `APP_FLAG_${key.toUpperCase().replaceAll('-', '_')}`;
}

const OVERRIDE_PREFIX = 'APP_FLAG_';

/**
 * Reads `APP_FLAG_<NAME>=on|off`. An unknown `APP_FLAG_*` variable or a value
 * other than on/off is a ConfigError naming the variable.
 */
export function readEnvOverrides(env: NodeJS.ProcessEnv): Partial<Record<FlagKey, boolean>> {
  const known = new Map(FLAG_KEYS.map((key) => [overrideVariable(key), key] as const));
  const overrides: Partial<Record<FlagKey, boolean>> = {};
  const invalid: { name: string; reason: string }[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(OVERRIDE_PREFIX) || value === undefined || value === '') continue;
    const key = known.get(name);
    if (!key) {
      invalid.push({ name, reason: `unknown flag (known: ${[...known.keys()].join(', ')})` });
      continue;
    }
    const normalised = value.trim().toLowerCase();
    if (normalised === 'on') overrides[key] = true;
    else if (normalised === 'off') overrides[key] = false;
    else invalid.push({ name, reason: 'expected on or off' });
  }
  if (invalid.length > 0) throw new ConfigError([], invalid);
  return overrides;
}

/**
 * An override replaces a flag's default for every tenant; the file's
 * per-tenant entries still apply, so a canary tenant stays targeted while the
 * fleet-wide value is flipped from the Deployment.
 */
export function applyOverrides(table: FlagTable, overrides: Partial<Record<FlagKey, boolean>>): FlagTable {
  const result = {} as FlagTable;
  for (const key of FLAG_KEYS) {
    const override = overrides[key];
    result[key] = { default: override ?? table[key].default, tenants: { ...table[key].tenants } };
  }
  return result;
}

export type FlagDecisionReason = 'TARGETING_MATCH' | 'STATIC' | 'DEFAULT';

export interface FlagDecision {
  value: boolean;
  /** OpenFeature's standard reasons: a tenant entry matched, or the flag's default applied. */
  reason: FlagDecisionReason;
}

/** A tenant's entry wins; without a tenant (no targetingKey) the default applies. */
export function decideFlag(table: FlagTable, key: FlagKey, tenant: string | undefined): FlagDecision {
  const rule = table[key];
  if (tenant !== undefined && Object.hasOwn(rule.tenants, tenant)) return { value: rule.tenants[tenant]!, reason: 'TARGETING_MATCH' };
  return { value: rule.default, reason: tenant === undefined ? 'DEFAULT' : 'STATIC' };
}

/** Flags whose default or tenant entries differ between two tables. */
export function changedFlags(before: FlagTable, after: FlagTable): FlagKey[] {
  return FLAG_KEYS.filter((key) => JSON.stringify(sortedRule(before[key])) !== JSON.stringify(sortedRule(after[key])));
}

function sortedRule(rule: FlagRule): [boolean, [string, boolean][]] {
  return [rule.default, Object.entries(rule.tenants).sort(([a], [b]) => a.localeCompare(b))];
}
