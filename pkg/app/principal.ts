/**
 * Who is calling: the roles the app knows, the shape of a principal, and the
 * pure checks that turn configured API keys and JWT claims into principals.
 */
import { createHash } from 'node:crypto';
import { isValidName } from '#pkg/kv/index.ts';

export const ROLES = ['knowledge:read', 'chat:use', 'render:submit', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Stable and not secret: `key:<sha256 prefix>` or `jwt:<issuer>/<sub>`. Rate limits and logs use it. */
  id: string;
  /** The cache tenant: a valid pkg/kv name. */
  tenant: string;
  roles: ReadonlySet<Role>;
  via: 'api-key' | 'jwt' | 'session';
}

export interface ApiKeyEntry {
  tenant: string;
  roles: ReadonlySet<Role>;
  /** Non-secret id of the key, also what a session cookie stores. */
  fingerprint: string;
}

function isRole(s: unknown): s is Role {
  return typeof s === 'string' && (ROLES as readonly string[]).includes(s);
}

/** Short non-reversible id of a key: safe in logs, cookies and metric-free rate-limit keys. */
function fingerprintOf(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** `APP_API_KEYS` parsed: errors name the entry by position, never the key. */
export function parseApiKeys(input: unknown): Map<string, ApiKeyEntry> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('expected a JSON object {"<key>": {"tenant", "roles"}}');
  const out = new Map<string, ApiKeyEntry>();
  let i = 0;
  for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
    i++;
    if (key.length < 16) throw new Error(`entry ${i}: a key must be at least 16 characters`);
    const entry = raw as { tenant?: unknown; roles?: unknown } | null;
    if (!entry || typeof entry !== 'object') throw new Error(`entry ${i}: expected {"tenant", "roles"}`);
    if (typeof entry.tenant !== 'string' || !isValidName(entry.tenant)) throw new Error(`entry ${i}: tenant must be a valid name ([A-Za-z0-9._-], 1-64)`);
    if (!Array.isArray(entry.roles) || entry.roles.length === 0 || !entry.roles.every(isRole)) throw new Error(`entry ${i}: roles must be a non-empty list of ${ROLES.join(', ')}`);
    out.set(key, { tenant: entry.tenant, roles: new Set(entry.roles as Role[]), fingerprint: fingerprintOf(key) });
  }
  return out;
}

export type ClaimsResult = { ok: true; tenant: string; roles: Set<Role> } | { ok: false; reason: string };

/** Tenant and roles from verified JWT claims; unknown roles are ignored, a missing tenant refuses. */
export function principalClaims(claims: Record<string, unknown>, tenantClaim: string, rolesClaim: string): ClaimsResult {
  const tenant = claims[tenantClaim];
  if (typeof tenant !== 'string' || !isValidName(tenant)) return { ok: false, reason: `claim "${tenantClaim}" must name a valid tenant` };
  const raw = claims[rolesClaim];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  return { ok: true, tenant, roles: new Set(list.filter(isRole)) };
}
