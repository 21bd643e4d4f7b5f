/**
 * Fences one Upstash command into a tenant: validates its shape, refuses what
 * is not allowed, rewrites every key (by the command's key spec) into the
 * tenant's key space with pkg/kv's encoding, and says how to turn the reply's
 * key names back. Pure, apart from the script gate's SHA bookkeeping.
 */
import { MAX_KEY_BYTES, encodeKey } from '#pkg/kv/index.ts';
import { keyPositions, specOf } from './keyspec.ts';
import type { ScriptGate } from './scripts.ts';
import { clampTtl, TTL_COMMANDS, type TtlFence } from './ttl-clamp.ts';

export interface TenantSpace {
  /** Stored-key prefix of the tenant's Upstash scope: `encodeKey(prefix, {tenant, scope}, '')`. */
  keyPrefix: string;
  trusted: boolean;
  scripts: ScriptGate;
  /** When set, a SET without a TTL option is stored with this TTL (the scope's policy default). */
  defaultTtlMs?: number;
  /** The scope's TTL rule: every TTL a command names is clamped into it (see ttl-clamp.ts). */
  ttl?: TtlFence;
  /** The clock the absolute TTL forms (EXAT, PEXPIREAT…) are clamped against. Default `Date.now`. */
  now?: () => number;
}

/** How a reply is turned back into what the client expects. */
export type ReplyShape =
  | 'plain'
  /** An array of stored key names (KEYS). */
  | 'keys'
  /** `[cursor, [stored key names]]` (SCAN). */
  | 'scan'
  /** A SHA Redis reports for a script whose text the sidecar changed (SCRIPT LOAD). */
  | 'sha';

export type Plan =
  | { ok: true; name: string; args: string[]; reply: ReplyShape }
  | { ok: false; error: string };

/**
 * `ttl`: a number is only the default TTL of a SET without one (no clamping);
 * a fence clamps every TTL into its rule and gives the default when it says so.
 */
export function spaceFor(prefix: string, tenant: string, scope: string, trusted: boolean, scripts: ScriptGate, ttl?: number | TtlFence, now?: () => number): TenantSpace {
  const space: TenantSpace = { keyPrefix: encodeKey(prefix, { tenantKey: tenant, scope }, ''), trusted, scripts };
  if (typeof ttl === 'number' && ttl > 0) space.defaultTtlMs = ttl;
  if (typeof ttl === 'object') {
    space.ttl = ttl;
    if (ttl.defaultTtl) space.defaultTtlMs = ttl.rule.ttlMs;
  }
  if (now) space.now = now;
  return space;
}

const TTL_OPTIONS = new Set(['ex', 'px', 'exat', 'pxat', 'keepttl']);

const fail = (error: string): Plan => ({ ok: false, error });

/** Arguments arrive as JSON strings, numbers and booleans; anything else is refused. */
export function commandArgs(raw: unknown): string[] | string {
  if (!Array.isArray(raw) || raw.length === 0) return 'ERR a command must be a non-empty JSON array';
  const args: string[] = [];
  for (const v of raw) {
    if (typeof v === 'string') args.push(v);
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') args.push(String(v));
    else return 'ERR command arguments must be strings, numbers or booleans';
  }
  if (typeof raw[0] !== 'string') return 'ERR the command name must be a string';
  return args;
}

export function planCommand(raw: unknown, space: TenantSpace): Plan {
  const args = commandArgs(raw);
  if (typeof args === 'string') return fail(args);
  return planArgs(args, space);
}

/** `planCommand` for arguments already read as strings (`args` is rewritten in place). */
export function planArgs(args: string[], space: TenantSpace): Plan {
  const name = args[0].toLowerCase();
  args[0] = name;
  const spec = specOf(name);
  if ('refused' in spec) return fail(spec.refused);

  switch (spec.kind) {
    case 'scan': return planScan(args, space);
    case 'keys':
      if (args.length !== 2) return fail("ERR wrong number of arguments for 'keys' command");
      return { ok: true, name, args: ['keys', space.keyPrefix + args[1]], reply: 'keys' };
    case 'scriptAdmin': return planScriptAdmin(args, space);
    case 'script': {
      if (args.length < 3) return fail(`ERR wrong number of arguments for '${name}' command`);
      const decision = name.startsWith('evalsha') ? space.scripts.sha(args[1], space.trusted) : space.scripts.body(args[1], space.trusted);
      if (!decision.ok) return fail(decision.error);
      args[1] = decision.send;
      break;
    }
    default: break;
  }
  const positions = keyPositions(spec, args);
  if (!Array.isArray(positions)) return fail(positions.refused);
  for (const i of positions) {
    const key = args[i];
    // Fast path: 256 UTF-16 units are at most 768 UTF-8 bytes.
    if (key.length > 256 && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return fail(`ERR key exceeds ${MAX_KEY_BYTES} bytes`);
    args[i] = space.keyPrefix + key;
  }
  if (space.ttl) {
    if (TTL_COMMANDS.has(name)) {
      const refused = clampTtl(args, space.ttl, space.now ?? Date.now);
      if (refused) return fail(refused);
    }
  } else if (name === 'set' && space.defaultTtlMs && args.length >= 3 && !args.slice(3).some((a) => TTL_OPTIONS.has(a.toLowerCase()))) {
    args.push('PX', String(space.defaultTtlMs));
  }
  return { ok: true, name: args[0], args, reply: 'plain' };
}

/** SCAN cursor [MATCH p] [COUNT n] [TYPE t]: every MATCH confined to the tenant, one added when absent. */
function planScan(args: string[], space: TenantSpace): Plan {
  if (args.length < 2) return fail("ERR wrong number of arguments for 'scan' command");
  const out = ['scan', args[1]];
  let matched = false;
  for (let i = 2; i < args.length; i += 2) {
    const option = args[i].toLowerCase();
    const value = args[i + 1];
    if (value === undefined || (option !== 'match' && option !== 'count' && option !== 'type')) return fail('ERR syntax error');
    if (option === 'match') {
      out.push('match', space.keyPrefix + value);
      matched = true;
    } else {
      out.push(option, value);
    }
  }
  if (!matched) out.push('match', `${space.keyPrefix}*`);
  return { ok: true, name: 'scan', args: out, reply: 'scan' };
}

function planScriptAdmin(args: string[], space: TenantSpace): Plan {
  const sub = args[1]?.toLowerCase();
  if (sub === 'load') {
    if (args.length !== 3) return fail("ERR wrong number of arguments for 'script|load' command");
    const decision = space.scripts.body(args[2], space.trusted);
    if (!decision.ok) return fail(decision.error);
    return { ok: true, name: 'script', args: ['script', 'load', decision.send], reply: 'sha' };
  }
  if (sub === 'exists') {
    if (args.length < 3) return fail("ERR wrong number of arguments for 'script|exists' command");
    return { ok: true, name: 'script', args: ['script', 'exists', ...args.slice(2).map((s) => space.scripts.redisSha(s))], reply: 'plain' };
  }
  return fail(`ERR 'script ${sub ?? ''}' is refused by the cache sidecar: only SCRIPT LOAD and SCRIPT EXISTS are allowed (the script cache is shared by every tenant)`);
}

/** The reply as the client expects it: the tenant's key names without the prefix, SHAs as the client computed them. */
export function shapeReply(reply: unknown, shape: ReplyShape, space: TenantSpace): unknown {
  switch (shape) {
    case 'plain': return reply;
    case 'keys': return unprefixKeys(reply, space.keyPrefix);
    case 'scan': {
      if (!Array.isArray(reply) || reply.length !== 2) return reply;
      return [reply[0], unprefixKeys(reply[1], space.keyPrefix)];
    }
    case 'sha': return typeof reply === 'string' ? space.scripts.clientSha(reply) : reply;
  }
}

function unprefixKeys(list: unknown, prefix: string): unknown {
  if (!Array.isArray(list)) return list;
  // The MATCH already confines names to the prefix; the filter is the second fence.
  return list.filter((k): k is string => typeof k === 'string' && k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}
