import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PilotfishError } from '#pkg/errors/index.ts';

/** How requests are spread over several upstreams serving one model. */
export type RoutingMode = 'weighted' | 'latency';
const UPSTREAM_KINDS = ['openai', 'anthropic', 'azure-openai', 'openai-compatible'] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

/** Share of `routing: latency` picks that go to a random upstream rather than the fastest, so a recovered one is measured again. */
const DEFAULT_EXPLORE = 0.1;

/** Field names that would carry a credential inline: refused with a message pointing at apiKeyEnv. */
const INLINE_KEY_FIELDS = new Set(['apikey', 'api_key', 'api-key', 'key', 'token', 'secret', 'password', 'authorization', 'bearer']);
/** Headers that carry credentials: the proxy sets the upstream's own from apiKeyEnv. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'api-key', 'x-api-key', 'proxy-authorization', 'cookie']);
/** What a provider key looks like (OpenAI `sk-…`, Anthropic `sk-ant-…`, a bearer value, a long opaque token). */
const LOOKS_LIKE_KEY = /^(sk-|sk_|Bearer\s|[A-Za-z0-9+/_-]{40,}$)/;
const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const notAKey = (what: string) => (v: string) => !LOOKS_LIKE_KEY.test(v) || `${what} looks like a credential: keys never go inline; put the key in an environment variable (a Secret) and name it in apiKeyEnv`;

const upstreamSchema = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63 characters')
    .refine((n) => n !== 'mock', '"mock" is the built-in mock provider'),
  kind: z.enum(UPSTREAM_KINDS),
  baseURL: z.url({ protocol: /^https?$/, error: 'an http(s) URL' })
    .refine((u) => { const url = new URL(u); return !url.username && !url.password; }, 'must not carry credentials (user:password@): use apiKeyEnv')
    .refine((u) => !new URL(u).search, 'must not carry a query string'),
  apiKeyEnv: z.string().check((ctx) => {
    const v = ctx.value;
    if (LOOKS_LIKE_KEY.test(v)) ctx.issues.push({ code: 'custom', input: v, message: 'apiKeyEnv names the environment variable holding the key, not the key itself' });
    else if (!ENV_NAME.test(v)) ctx.issues.push({ code: 'custom', input: v, message: 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' });
  }).optional(),
  apiVersion: z.string().min(1).optional(),
  models: z.array(z.string().min(1, 'an empty model id')).min(1, 'list at least one model id or glob ("*" for any)'),
  headers: z.record(z.string(), z.string()).check((ctx) => {
    for (const [k, v] of Object.entries(ctx.value)) {
      if (CREDENTIAL_HEADERS.has(k.toLowerCase())) ctx.issues.push({ code: 'custom', input: k, path: [k], message: `header ${k} carries a credential: name the key's environment variable in apiKeyEnv instead` });
      else { const r = notAKey(`header ${k}`)(v); if (r !== true) ctx.issues.push({ code: 'custom', input: '(redacted)', path: [k], message: r }); }
    }
  }).optional(),
  timeouts: z.strictObject({
    attemptMs: z.int().positive().max(3_600_000).optional(),
  }).optional(),
  weight: z.number().positive().max(1_000_000).default(1),
}).check((ctx) => {
  const u = ctx.value;
  if (u.kind !== 'openai-compatible' && u.apiKeyEnv === undefined) {
    ctx.issues.push({ code: 'custom', input: u, path: ['apiKeyEnv'], message: `required for kind ${u.kind} (only openai-compatible servers may be keyless)` });
  }
  if (u.apiVersion !== undefined && u.kind !== 'azure-openai') ctx.issues.push({ code: 'custom', input: u.apiVersion, path: ['apiVersion'], message: 'only azure-openai upstreams take an api-version' });
});

const listSchema = z.array(upstreamSchema);
const objectSchema = z.strictObject({
  routing: z.enum(['weighted', 'latency']).default('weighted'),
  explore: z.number().min(0).max(1).default(DEFAULT_EXPLORE),
  upstreams: listSchema,
});

export type UpstreamSpec = z.infer<typeof upstreamSchema>;

/** One upstream ready to build: its key read from the environment (absent for a keyless server). */
export interface UpstreamSettings extends Omit<UpstreamSpec, 'apiKeyEnv'> {
  apiKey?: string;
  /** The variable the key came from, for error messages. */
  apiKeyEnv?: string;
}

export interface UpstreamsConfig {
  /** Default `weighted`. */
  routing: RoutingMode;
  /** Default 0.1 (DEFAULT_EXPLORE). */
  explore: number;
  upstreams: UpstreamSettings[];
}

/** `LLM_UPSTREAMS` (or its file) is not a valid upstream list; the message names every field at fault. */
export class UpstreamsError extends PilotfishError {
  constructor(message: string) {
    super('invalid_upstreams', message);
    this.name = 'UpstreamsError';
  }
}

/**
 * Parses `LLM_UPSTREAMS` (JSON) or the file of `LLM_UPSTREAMS_FILE` (YAML or JSON) and reads each key from
 * `env[apiKeyEnv]`. Every problem is reported at once, each naming its field (`upstreams[1].baseURL: …`); a
 * value that looks like a key is never echoed.
 */
export function parseUpstreams(text: string, format: 'json' | 'yaml', env: NodeJS.ProcessEnv): UpstreamsConfig {
  let raw: unknown;
  try {
    raw = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    // No cause: the parser's full message quotes the text around the fault, which may hold a key.
    throw new UpstreamsError(`not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  const inline = inlineKeyFields(raw);
  if (inline.length) throw new UpstreamsError(inline.map((p) => `${p}: keys never go inline; put the key in an environment variable (a Secret) and name it in apiKeyEnv`).join('; '));
  const list = Array.isArray(raw);
  const parsed = list ? listSchema.safeParse(raw) : objectSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UpstreamsError(parsed.error.issues.map((i) => `${fieldPath(list ? ['upstreams', ...i.path] : i.path)}: ${i.message}`).join('; '));
  }
  const value = parsed.data;
  const specs = Array.isArray(value) ? value : value.upstreams;
  const problems: string[] = [];
  const seen = new Set<string>();
  const upstreams = specs.map((spec, i): UpstreamSettings => {
    if (seen.has(spec.name)) problems.push(`upstreams[${i}].name: "${spec.name}" is used twice`);
    seen.add(spec.name);
    const { apiKeyEnv, ...rest } = spec;
    if (apiKeyEnv === undefined) return rest;
    const apiKey = env[apiKeyEnv];
    if (!apiKey) problems.push(`upstreams[${i}].apiKeyEnv: environment variable ${apiKeyEnv} (the key of upstream "${spec.name}") is not set`);
    return { ...rest, apiKey, apiKeyEnv };
  });
  if (problems.length) throw new UpstreamsError(problems.join('; '));
  return Array.isArray(value) ? { routing: 'weighted', explore: DEFAULT_EXPLORE, upstreams } : { routing: value.routing, explore: value.explore, upstreams };
}

/** Paths of object fields whose name says they hold a credential (`upstreams[0].apiKey`). */
function inlineKeyFields(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : (raw as { upstreams?: unknown } | null)?.upstreams;
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  list.forEach((u: unknown, i) => {
    if (typeof u !== 'object' || u === null) return;
    for (const k of Object.keys(u)) if (INLINE_KEY_FIELDS.has(k.toLowerCase())) out.push(`upstreams[${i}].${k}`);
  });
  return out;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}
