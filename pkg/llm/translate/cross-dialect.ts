import type { Dialect, Part, Request } from '../canonical.ts';
import { invalid } from '../errors.ts';
import { isObj, type Obj } from './check.ts';

/**
 * Across dialects, translate or refuse, never drop. A request parsed from one
 * dialect keeps the fields the canonical model does not carry in `extra`; a
 * provider of the other dialect takes each of them through one rule below
 * (carried by a canonical field, translated here, harmless at its default
 * value) or refuses the request with a 400 naming the field and the model.
 * Blocks and fields the parsers could not map (`ForeignPart`, `unmapped`) are
 * refused the same way.
 */

type Rule =
  /** Carried by a canonical field (response_format → Request.responseFormat…). */
  | 'canonical'
  /** Translated: the fields to set on the other dialect's body, or a refusal reason. */
  | ((value: unknown) => Obj | string);

const DIALECT_NAME: Record<Dialect, string> = { openai: 'OpenAI', anthropic: 'Anthropic' };

/** Accepted only at the value that means "nothing asked" (the provider's default); any other value is refused with `why`. */
const onlyDefault = (isDefault: (v: unknown) => boolean, why: string): Rule => (v) => (isDefault(v) ? {} : why);
const isFalse = (v: unknown) => v === false || v === null;
const isZero = (v: unknown) => v === 0 || v === null;
const isEmptyObject = (v: unknown) => v === null || (isObj(v) && Object.keys(v).length === 0);

/** OpenAI Chat Completions fields → an Anthropic model. */
const OPENAI_TO_ANTHROPIC: Record<string, Rule> = {
  response_format: 'canonical',
  reasoning_effort: 'canonical',
  safety_identifier: 'canonical', // the end-user id, as metadata.user_id
  tools: 'canonical', // kept raw only for custom tools or tool fields with no counterpart, which `unmapped` refuses
  tool_choice: 'canonical', // kept raw only for allowed_tools and custom choices, which `unmapped` refuses
  n: onlyDefault((v) => v === 1 || v === null, 'Anthropic returns one choice per request'),
  logprobs: onlyDefault(isFalse, 'Anthropic returns no log probabilities'),
  top_logprobs: onlyDefault((v) => v === null || v === 0, 'Anthropic returns no log probabilities'),
  frequency_penalty: onlyDefault(isZero, 'Anthropic has no frequency penalty'),
  presence_penalty: onlyDefault(isZero, 'Anthropic has no presence penalty'),
  logit_bias: onlyDefault(isEmptyObject, 'Anthropic has no logit bias'),
  seed: onlyDefault((v) => v === null, 'Anthropic has no seed'),
  store: onlyDefault(isFalse, 'Anthropic stores no completions'),
  metadata: onlyDefault(isEmptyObject, 'Anthropic takes no stored-completion metadata (only an end-user id, from user)'),
  modalities: onlyDefault((v) => v === null || (Array.isArray(v) && v.every((m) => m === 'text')), 'Anthropic answers in text only'),
  service_tier: (v) => (v === null ? {} : v === 'auto' ? { service_tier: 'auto' } : v === 'default' ? { service_tier: 'standard_only' } : 'Anthropic has only the auto and standard tiers (service_tier auto or default)'),
};

/** Anthropic Messages fields → an OpenAI model. */
const ANTHROPIC_TO_OPENAI: Record<string, Rule> = {
  thinking: 'canonical',
  output_config: 'canonical',
  output_format: 'canonical',
  // Cache-marked system blocks: their text is the system message; OpenAI caches long prompts by itself.
  system: 'canonical',
  tools: 'canonical', // kept raw only for server tools or tool fields with no counterpart, which `unmapped` refuses
  service_tier: (v) => (v === null ? {} : v === 'auto' ? { service_tier: 'auto' } : v === 'standard_only' ? { service_tier: 'default' } : 'service_tier must be auto or standard_only'),
};

/**
 * The fields a body of dialect `to` gets from the other dialect's `extra`, or a 400 naming the first field that
 * does not translate. Also refuses the parser's unmapped fields and the request's foreign blocks.
 */
export function crossDialectFields(req: Request, to: Dialect): Obj {
  const from: Dialect = to === 'openai' ? 'anthropic' : 'openai';
  const refuse = (param: string, why: string) =>
    invalid(`${param} cannot be translated for ${DIALECT_NAME[to]} model ${req.model}: ${why}`, param);
  for (const u of req.unmapped ?? []) if (u.dialect === from) throw refuse(u.param, u.what);
  for (const m of req.messages) for (const p of m.content) if (p.type === 'foreign' && p.dialect === from) throw refuse(p.param, p.what);
  const extra = req.extra?.[from];
  const out: Obj = {};
  if (!extra) return out;
  const rules = to === 'anthropic' ? OPENAI_TO_ANTHROPIC : ANTHROPIC_TO_OPENAI;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) continue;
    const rule = rules[key];
    if (rule === 'canonical') continue;
    if (!rule) throw refuse(key, `${DIALECT_NAME[to]} has no equivalent`);
    const r = rule(value);
    if (typeof r === 'string') throw refuse(key, r);
    Object.assign(out, r);
  }
  return out;
}

/** The block of a foreign part for its own dialect; undefined for the other one (crossDialectFields refused it already). */
export function ownBlock(p: Part, dialect: Dialect): Obj | undefined {
  return p.type === 'foreign' && p.dialect === dialect ? p.block : undefined;
}
