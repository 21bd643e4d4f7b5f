/**
 * Whether a request is served from the cache, and for how long its answer is
 * kept: asked per request (`x-pilotfish-cache: <seconds>`, or
 * `Cache-Control: max-age=<seconds>`; `no-store`, `no-cache`, `0` opt out)
 * or per model in `LLM_CACHE_RULES`. Pure.
 */
import { LlmError } from '../errors.ts';
import { modelMatcher, type ModelMatcher } from '../keys/model-glob.ts';

export interface CacheRule {
  /** Model ids or globs (matched against the model as asked and as routed). */
  models: ModelMatcher;
  ttlSeconds: number;
  /** Cache answers sampled with a temperature above 0 (or none given: the providers' default is 1). Default false. */
  sampled: boolean;
}

export type Directive = { use: true; ttlSeconds: number } | { use: false; why: 'not_asked' | 'opted_out' | 'sampled' | 'several_choices' };

export interface DirectiveInput {
  /** `x-pilotfish-cache`. */
  header?: string;
  /** `Cache-Control`. */
  cacheControl?: string;
  /** The model as asked and as routed. */
  models: readonly string[];
  body: Record<string, unknown>;
}

/** `LLM_CACHE_RULES`: `[{"models":["gpt-4o-mini","claude-*"],"ttlSeconds":300,"sampled":false}]`. */
export function parseCacheRules(text: string | undefined): CacheRule[] {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try { json = JSON.parse(text); } catch { throw new Error('expected a JSON list of {models, ttlSeconds, sampled}'); }
  if (!Array.isArray(json)) throw new Error('expected a JSON list of {models, ttlSeconds, sampled}');
  return json.map((r: unknown, i) => {
    const where = `rule ${i + 1}`;
    if (typeof r !== 'object' || r === null) throw new Error(`${where}: expected an object`);
    const { models, ttlSeconds, sampled, ...rest } = r as Record<string, unknown>;
    if (Object.keys(rest).length) throw new Error(`${where}: unknown field ${Object.keys(rest)[0]}`);
    if (!Array.isArray(models) || models.length === 0 || !models.every((m) => typeof m === 'string' && m)) throw new Error(`${where}: models must be a non-empty list of model ids or globs`);
    if (!Number.isInteger(ttlSeconds) || (ttlSeconds as number) < 1) throw new Error(`${where}: ttlSeconds must be a whole number ≥ 1`);
    if (sampled !== undefined && typeof sampled !== 'boolean') throw new Error(`${where}: sampled must be true or false`);
    return { models: modelMatcher(models as string[]), ttlSeconds: ttlSeconds as number, sampled: sampled === true };
  });
}

const SECONDS = /^\d{1,9}$/;

function fromHeaders(header: string | undefined, cacheControl: string | undefined): number | 'opted_out' | undefined {
  if (header !== undefined) {
    const v = header.trim().toLowerCase();
    if (v === 'no' || v === 'off' || v === 'bypass') return 'opted_out';
    if (!SECONDS.test(v)) throw new LlmError('invalid_request', 'x-pilotfish-cache must be a number of seconds (0 or "no" to bypass the cache)', { param: 'x-pilotfish-cache' });
    const n = Number(v);
    return n === 0 ? 'opted_out' : n;
  }
  if (cacheControl === undefined) return undefined;
  let maxAge: number | undefined;
  for (const part of cacheControl.toLowerCase().split(',')) {
    const d = part.trim();
    if (d === 'no-store' || d === 'no-cache') return 'opted_out';
    const m = /^max-age=(\d{1,9})$/.exec(d);
    if (m) maxAge = Number(m[1]);
  }
  if (maxAge === undefined) return undefined;
  return maxAge === 0 ? 'opted_out' : maxAge;
}

/** What to do with one request; `sampledDefault`: `LLM_CACHE_SAMPLED`, whether per-request opt-ins may cache sampled answers. */
export function cacheDirective(input: DirectiveInput, rules: readonly CacheRule[], sampledDefault = false): Directive {
  const asked = fromHeaders(input.header, input.cacheControl);
  if (asked === 'opted_out') return { use: false, why: 'opted_out' };
  const rule = rules.find((r) => input.models.some((m) => r.models(m)));
  const ttlSeconds = asked ?? rule?.ttlSeconds;
  if (ttlSeconds === undefined) return { use: false, why: 'not_asked' };
  const t = input.body.temperature;
  const deterministic = typeof t === 'number' && t <= 0;
  if (!deterministic && !(rule?.sampled ?? sampledDefault)) return { use: false, why: 'sampled' };
  // One canonical answer is kept: a request for several choices cannot be replayed from it.
  const n = input.body.n;
  if (typeof n === 'number' && n > 1) return { use: false, why: 'several_choices' };
  return { use: true, ttlSeconds };
}
