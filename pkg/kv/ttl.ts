/**
 * TTL policy: per scope, a default TTL and the [min, max] range every
 * requested TTL is clamped into. Pure except `parseTtlPolicy`, which reads a
 * file when given a path (through an injectable reader).
 *
 * Accepted shape (durations as ms numbers or `500ms`, `15s`, `5m`, `1h`):
 *   { "default": { "ttl": "30s", "min": "1s", "max": "1h" },
 *     "scopes": { "knowledge.search": { "ttl": "15s", "min": "5s", "max": "30s" } } }
 * Fields left out of `default` come from the built-in default; fields left out
 * of a scope come from the policy's `default`. A given policy replaces the
 * built-in scopes.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '#pkg/config/index.ts';
import { CacheError } from './errors.ts';
import { NAME_PATTERN } from './keys.ts';

export interface TtlRule {
  /** TTL used when a caller gives none. */
  readonly ttlMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Whether the sidecar's near cache serves this scope (when the near cache is on). Unset: yes. */
  readonly near?: boolean;
}

export interface TtlPolicy {
  readonly default: TtlRule;
  readonly scopes: ReadonlyMap<string, TtlRule>;
}

/** A policy as written in JSON or YAML. */
export interface TtlPolicyInput {
  default?: TtlRuleInput;
  scopes?: Record<string, TtlRuleInput>;
}
export interface TtlRuleInput {
  ttl?: string | number;
  min?: string | number;
  max?: string | number;
  /** Near cache opt-in (`true`) or opt-out (`false`); a scope inherits the default's. */
  near?: boolean;
}

const DEFAULT_TTL_POLICY_INPUT: TtlPolicyInput = Object.freeze({
  default: { ttl: '30s', min: '1s', max: '1h' },
  scopes: { 'knowledge.search': { ttl: '15s', min: '5s', max: '30s' } },
});

const BUILTIN_DEFAULT_RULE: TtlRule = { ttlMs: 30_000, minMs: 1000, maxMs: 3_600_000 };

/** Longest TTL a policy may name: 30 days. */
const MAX_POLICY_TTL_MS = 30 * 24 * 3_600_000;

function invalid(field: string, reason: string): CacheError {
  return new CacheError('invalid_ttl', `TTL policy: ${field} ${reason}`, { code: 'invalid_ttl_policy' });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function durationField(raw: unknown, field: string): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined) throw invalid(field, 'must be a duration such as 500, 500ms, 15s, 5m or 1h');
  if (ms < 1) throw invalid(field, 'must be at least 1ms');
  if (ms > MAX_POLICY_TTL_MS) throw invalid(field, 'must be at most 30 days');
  return ms;
}

function ruleOf(raw: unknown, field: string, base: TtlRule): TtlRule {
  if (!isPlainObject(raw)) throw invalid(field, 'must be an object with ttl, min and max');
  for (const name of Object.keys(raw)) {
    if (name !== 'ttl' && name !== 'min' && name !== 'max' && name !== 'near') throw invalid(`${field}.${name}`, 'is not a known field (use ttl, min, max, near)');
  }
  const minMs = durationField(raw.min, `${field}.min`) ?? base.minMs;
  const maxMs = durationField(raw.max, `${field}.max`) ?? base.maxMs;
  const ttlMs = durationField(raw.ttl, `${field}.ttl`) ?? base.ttlMs;
  if (minMs > maxMs) throw invalid(`${field}.min`, 'must not exceed max');
  if (ttlMs < minMs || ttlMs > maxMs) throw invalid(`${field}.ttl`, 'must lie within [min, max]');
  const near = raw.near ?? base.near;
  if (near !== undefined && typeof near !== 'boolean') throw invalid(`${field}.near`, 'must be true or false');
  return Object.freeze(near === undefined ? { ttlMs, minMs, maxMs } : { ttlMs, minMs, maxMs, near });
}

/** Validates a policy object; errors name the bad field (`scopes.knowledge.search.max`). */
export function validateTtlPolicy(raw: unknown): TtlPolicy {
  if (!isPlainObject(raw)) throw invalid('policy', 'must be an object with "default" and/or "scopes"');
  for (const name of Object.keys(raw)) {
    if (name !== 'default' && name !== 'scopes') throw invalid(name, 'is not a known field (use default, scopes)');
  }
  const def = raw.default === undefined ? BUILTIN_DEFAULT_RULE : ruleOf(raw.default, 'default', BUILTIN_DEFAULT_RULE);
  const scopes = new Map<string, TtlRule>();
  if (raw.scopes !== undefined) {
    if (!isPlainObject(raw.scopes)) throw invalid('scopes', 'must be an object keyed by scope');
    for (const [scope, rule] of Object.entries(raw.scopes)) {
      if (!NAME_PATTERN.test(scope)) throw invalid(`scopes.${scope}`, 'is not a valid scope name ([A-Za-z0-9._-]{1,64})');
      scopes.set(scope, ruleOf(rule, `scopes.${scope}`, def));
    }
  }
  return Object.freeze({ default: def, scopes });
}

export type FileReader = (path: string) => string;
const readUtf8: FileReader = (path) => readFileSync(path, 'utf8');

/**
 * Parses a policy given as an object, as inline JSON (text starting with `{`),
 * or as a path to a JSON or YAML file. Errors name the bad field, or the file.
 */
export function parseTtlPolicy(input: string | TtlPolicyInput | undefined, readFile: FileReader = readUtf8): TtlPolicy {
  if (input === undefined) return DEFAULT_TTL_POLICY;
  if (typeof input !== 'string') return validateTtlPolicy(input);
  const text = input.trim();
  if (text === '') return DEFAULT_TTL_POLICY;
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw invalid('policy', `is not valid JSON (${(err as Error).message})`);
    }
    return validateTtlPolicy(parsed);
  }
  let content: string;
  try {
    content = readFile(text);
  } catch (err) {
    throw invalid(`file ${text}`, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON: one parser for .json, .yaml and .yml.
    parsed = parseYaml(content);
  } catch (err) {
    throw invalid(`file ${text}`, `is not valid JSON or YAML (${(err as Error).message.split('\n')[0]})`);
  }
  return validateTtlPolicy(parsed);
}

export const DEFAULT_TTL_POLICY: TtlPolicy = validateTtlPolicy(DEFAULT_TTL_POLICY_INPUT);

/** The rule in force for a scope. */
export function ruleFor(policy: TtlPolicy, scope: string): TtlRule {
  return policy.scopes.get(scope) ?? policy.default;
}

/**
 * The TTL to store with: the scope's default when none is requested, else the
 * request clamped into [min, max]. A requested TTL must be a finite number ≥ 0.
 */
export function effectiveTtl(policy: TtlPolicy, scope: string, requestedMs: number | undefined): number {
  const rule = policy.scopes.get(scope) ?? policy.default;
  if (requestedMs === undefined) return rule.ttlMs;
  if (typeof requestedMs !== 'number' || !Number.isFinite(requestedMs) || requestedMs < 0) {
    throw new CacheError('invalid_ttl', 'ttl must be a non-negative number of milliseconds');
  }
  const ms = Math.round(requestedMs);
  return ms < rule.minMs ? rule.minMs : ms > rule.maxMs ? rule.maxMs : ms;
}

/** Parses a requested TTL (`1500`, `"1500"`, `"15s"`); `undefined` stays undefined. */
export function parseRequestedTtl(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined) throw new CacheError('invalid_ttl', 'ttl must be a duration such as 1500, 500ms, 15s, 5m or 1h');
  return ms;
}

/** A JSON-friendly view of a policy, e.g. for a status endpoint. */
export function describeTtlPolicy(policy: TtlPolicy): { default: TtlRule; scopes: Record<string, TtlRule> } {
  return { default: policy.default, scopes: Object.fromEntries(policy.scopes) };
}
