/**
 * Namespace validation and key encoding. A stored key is
 * `${prefix}:{${tenant}}:${scope}:${key}`:
 * - tenant and scope come from `[A-Za-z0-9._-]`, which has no `:`, `{` or `}`,
 *   so for a fixed prefix the stored key parses back unambiguously: two
 *   different (tenant, scope, key) can never meet in one stored key;
 * - `{tenant}` is the first `{...}` of the key (the prefix may not hold
 *   braces), so it is the Redis Cluster hash tag: all of a tenant's keys share
 *   one slot, and multi-key commands, MULTI and scripts over one tenant work
 *   in a cluster.
 */
import { CacheError } from './errors.ts';
import type { Namespace } from './types.ts';

export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const PREFIX_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
export const MAX_KEY_BYTES = 1024;
export const DEFAULT_PREFIX = 'pilotfish';

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

export function validateTenant(tenant: unknown): asserts tenant is string {
  if (!isValidName(tenant)) throw new CacheError('invalid_namespace', 'tenant must match [A-Za-z0-9._-]{1,64}');
}

export function validateScope(scope: unknown): asserts scope is string {
  if (!isValidName(scope)) throw new CacheError('invalid_namespace', 'scope must match [A-Za-z0-9._-]{1,64}');
}

export function validateNamespace(ns: Namespace): void {
  if (ns === null || typeof ns !== 'object') throw new CacheError('invalid_namespace', 'namespace must be { tenantKey, scope }');
  validateTenant(ns.tenantKey);
  validateScope(ns.scope);
}

/**
 * A key is 1 to 1024 bytes of UTF-8. Lone surrogates are refused: UTF-8 cannot
 * carry them, they would all turn into U+FFFD, and two different keys would
 * then share one stored key.
 */
export function validateKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new CacheError('invalid_key', 'key must be a non-empty string');
  // Fast path: 256 UTF-16 units are at most 768 UTF-8 bytes.
  if (key.length > 256 && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new CacheError('invalid_key', `key exceeds ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  if (!key.isWellFormed()) throw new CacheError('invalid_key', 'key is not well-formed Unicode (lone surrogate)');
}

export function validatePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new CacheError('invalid_namespace', 'key prefix must match [A-Za-z0-9._:-]{1,64}');
  }
}

/** The part of every stored key of one tenant before the scope: `${prefix}:{${tenant}}:`. */
export function tenantPrefix(prefix: string, tenant: string): string {
  return `${prefix}:{${tenant}}:`;
}

/** Encodes an already validated namespace and key. */
export function encodeKey(prefix: string, ns: Namespace, key: string): string {
  return `${prefix}:{${ns.tenantKey}}:${ns.scope}:${key}`;
}

/** Validates, then encodes. */
export function encodeValidKey(prefix: string, ns: Namespace, key: string): string {
  validateNamespace(ns);
  validateKey(key);
  return encodeKey(prefix, ns, key);
}

/** The inverse of `encodeKey` for a given prefix; `undefined` when the text is not such a key. */
export function decodeKey(prefix: string, stored: string): { tenantKey: string; scope: string; key: string } | undefined {
  const head = `${prefix}:{`;
  if (!stored.startsWith(head)) return undefined;
  const close = stored.indexOf('}', head.length);
  if (close < 0 || stored[close + 1] !== ':') return undefined;
  const colon = stored.indexOf(':', close + 2);
  if (colon < 0) return undefined;
  const tenantKey = stored.slice(head.length, close);
  const scope = stored.slice(close + 2, colon);
  const key = stored.slice(colon + 1);
  if (!isValidName(tenantKey) || !isValidName(scope) || key.length === 0) return undefined;
  return { tenantKey, scope, key };
}
