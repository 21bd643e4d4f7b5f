/**
 * The scope's TTL policy on Upstash commands, as the native API applies it:
 * every TTL a command names is clamped into the rule's [min, max], and a SET
 * without one gets the rule's default when the token asks for it. Pure: the
 * clock is passed in, and read only for the absolute forms (EXAT, PXAT,
 * EXPIREAT, PEXPIREAT).
 *
 * A clamped TTL is sent in milliseconds (EX → PX, SETEX → PSETEX, EXPIRE →
 * PEXPIRE, EXAT → PXAT), so the reply the client sees is the same command's.
 * What is not a positive integer is left as it is: Redis answers its own error
 * for a bad number, and a TTL of zero or below (or an instant already past)
 * deletes the key, which is not a TTL to clamp.
 */
import type { TtlRule } from '#pkg/kv/index.ts';

export interface TtlFence {
  rule: TtlRule;
  /** SET without a TTL option gets `rule.ttlMs`; PERSIST and GETEX PERSIST are refused. */
  defaultTtl: boolean;
}

/** Commands whose arguments can name a TTL, or drop one. */
export const TTL_COMMANDS: ReadonlySet<string> = new Set([
  'set', 'setex', 'psetex', 'expire', 'pexpire', 'expireat', 'pexpireat', 'getex', 'persist',
]);

const SET_TTL_OPTIONS = new Set(['ex', 'px', 'exat', 'pxat', 'keepttl']);
const INTEGER = /^-?[0-9]{1,16}$/;

/** Rewrites `args` (`args[0]` the lower-case name) in place; returns an error text when the command is refused. */
export function clampTtl(args: string[], fence: TtlFence, now: () => number): string | undefined {
  const { rule } = fence;
  switch (args[0]) {
    case 'set': return clampSet(args, fence, now);
    case 'setex': case 'psetex': {
      const ms = relativeMs(args[2], args[0] === 'setex' ? 1000 : 1);
      const clamped = clampMs(ms, rule);
      if (clamped !== undefined) { args[0] = 'psetex'; args[2] = String(clamped); }
      return undefined;
    }
    case 'expire': case 'pexpire': {
      const clamped = clampMs(relativeMs(args[2], args[0] === 'expire' ? 1000 : 1), rule);
      if (clamped !== undefined) { args[0] = 'pexpire'; args[2] = String(clamped); }
      return undefined;
    }
    case 'expireat': case 'pexpireat': {
      const at = now();
      const clamped = clampMs(absoluteMs(args[2], args[0] === 'expireat' ? 1000 : 1, at), rule);
      if (clamped !== undefined) { args[0] = 'pexpireat'; args[2] = String(at + clamped); }
      return undefined;
    }
    case 'getex': return clampOption(args, 2, fence, now);
    case 'persist': return fence.defaultTtl ? persistRefused(rule) : undefined;
    default: return undefined;
  }
}

function clampSet(args: string[], fence: TtlFence, now: () => number): string | undefined {
  for (let i = 3; i < args.length; i++) {
    if (SET_TTL_OPTIONS.has(args[i].toLowerCase())) return clampOption(args, 3, fence, now);
  }
  if (fence.defaultTtl && args.length >= 3) args.push('PX', String(fence.rule.ttlMs));
  return undefined;
}

/** The EX / PX / EXAT / PXAT (and PERSIST, for GETEX) option from index `from` on. */
function clampOption(args: string[], from: number, fence: TtlFence, now: () => number): string | undefined {
  for (let i = from; i < args.length; i++) {
    const option = args[i].toLowerCase();
    if (option === 'persist') return fence.defaultTtl ? persistRefused(fence.rule) : undefined;
    if (option === 'ex' || option === 'px') {
      const clamped = clampMs(relativeMs(args[i + 1], option === 'ex' ? 1000 : 1), fence.rule);
      if (clamped !== undefined) { args[i] = 'PX'; args[i + 1] = String(clamped); }
      return undefined;
    }
    if (option === 'exat' || option === 'pxat') {
      const at = now();
      const clamped = clampMs(absoluteMs(args[i + 1], option === 'exat' ? 1000 : 1, at), fence.rule);
      if (clamped !== undefined) { args[i] = 'PXAT'; args[i + 1] = String(at + clamped); }
      return undefined;
    }
  }
  return undefined;
}

/** A TTL of `text` units of `unitMs`, or undefined when it is no positive integer. */
function relativeMs(text: string | undefined, unitMs: number): number | undefined {
  if (text === undefined || !INTEGER.test(text)) return undefined;
  const ms = Number(text) * unitMs;
  return ms > 0 ? ms : undefined;
}

/** The time left until the instant `text` (in units of `unitMs` since the epoch), or undefined when past or no integer. */
function absoluteMs(text: string | undefined, unitMs: number, nowMs: number): number | undefined {
  if (text === undefined || !INTEGER.test(text)) return undefined;
  const left = Number(text) * unitMs - nowMs;
  return left > 0 ? left : undefined;
}

/** The clamped TTL when clamping changes it, else undefined (the command stays as sent). */
function clampMs(ms: number | undefined, rule: TtlRule): number | undefined {
  if (ms === undefined) return undefined;
  const clamped = Math.min(Math.max(ms, rule.minMs), rule.maxMs);
  return clamped === ms ? undefined : clamped;
}

function persistRefused(rule: TtlRule): string {
  return `ERR PERSIST is refused for this token: its scope's TTL policy keeps every key at most ${rule.maxMs} ms (defaultTtl)`;
}
