/**
 * The pod annotations a team writes: which sidecars to inject and the few
 * per-pod overrides. Pure.
 */
import { validateTtlPolicy, type TtlRuleInput } from '#pkg/kv/index.ts';
import { checkRequestWithinLimit, type Resources } from './config.ts';
import { parseQuantity } from './quantity.ts';
import { SIDECARS, type Sidecar } from './types.ts';

const ANNOTATION_PREFIX = 'pilotfish.dev/';
/** `cache`, `llm` or `cache,llm`; `false`/`none`/empty: nothing. */
const INJECT_ANNOTATION = 'pilotfish.dev/inject';
/** Written by the webhook: the sidecars it injected (also the idempotency marker). */
export const INJECTED_ANNOTATION = 'pilotfish.dev/injected';
/** JSON map scope → {ttl, min, max}, merged over the configured TTL policy's scopes. */
const CACHE_SCOPES_ANNOTATION = 'pilotfish.dev/cache-scopes';

/** Per-sidecar resource annotations: `pilotfish.dev/<sidecar>-cpu`, `-memory`, `-memory-limit`. */
const RESOURCE_ANNOTATIONS = {
  cpu: { field: 'requests', resource: 'cpu' },
  memory: { field: 'requests', resource: 'memory' },
  'memory-limit': { field: 'limits', resource: 'memory' },
} as const;

export interface PodOverrides {
  cacheScopes?: Record<string, TtlRuleInput>;
  resources: Partial<Record<Sidecar, Partial<Record<keyof typeof RESOURCE_ANNOTATIONS, string>>>>;
}

export type InjectionRequest =
  | { kind: 'none' }
  | { kind: 'invalid'; problems: string[] }
  | { kind: 'inject'; sidecars: Sidecar[]; overrides: PodOverrides };

const KNOWN = new Set([
  INJECT_ANNOTATION, INJECTED_ANNOTATION, CACHE_SCOPES_ANNOTATION,
  ...SIDECARS.flatMap((s) => Object.keys(RESOURCE_ANNOTATIONS).map((r) => `${ANNOTATION_PREFIX}${s}-${r}`)),
]);

/** Reads the annotations; every problem is reported at once, by annotation name. */
export function parseInjectionAnnotations(annotations: Readonly<Record<string, string>> = {}): InjectionRequest {
  const raw = (annotations[INJECT_ANNOTATION] ?? '').trim();
  if (raw === '' || raw === 'false' || raw === 'none') return { kind: 'none' };
  const problems: string[] = [];
  const sidecars: Sidecar[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(SIDECARS as readonly string[]).includes(item)) problems.push(`${INJECT_ANNOTATION}: "${item}" is not a sidecar (write cache, llm or cache,llm)`);
    else if (!sidecars.includes(item as Sidecar)) sidecars.push(item as Sidecar);
  }
  // A misspelt override silently ignored is a pod that runs with the wrong limits: name it.
  for (const name of Object.keys(annotations)) {
    if (name.startsWith(ANNOTATION_PREFIX) && !KNOWN.has(name)) problems.push(`${name}: is not a Pilotfish annotation (known: ${[...KNOWN].join(', ')})`);
  }

  const overrides: PodOverrides = { resources: {} };
  const scopes = annotations[CACHE_SCOPES_ANNOTATION];
  if (scopes !== undefined) {
    try {
      const parsed: unknown = JSON.parse(scopes);
      validateTtlPolicy({ scopes: parsed });
      overrides.cacheScopes = parsed as Record<string, TtlRuleInput>;
    } catch (err) {
      problems.push(`${CACHE_SCOPES_ANNOTATION}: ${err instanceof SyntaxError ? 'is not JSON ({"scope": {"ttl": "30s", "min": "1s", "max": "5m"}})' : (err as Error).message}`);
    }
  }
  for (const sidecar of SIDECARS) {
    const own: Partial<Record<keyof typeof RESOURCE_ANNOTATIONS, string>> = {};
    for (const suffix of Object.keys(RESOURCE_ANNOTATIONS) as (keyof typeof RESOURCE_ANNOTATIONS)[]) {
      const name = `${ANNOTATION_PREFIX}${sidecar}-${suffix}`;
      const value = annotations[name]?.trim();
      if (value === undefined) continue;
      const q = parseQuantity(value);
      if (q === undefined || q === 0) problems.push(`${name}: "${value}" is not a positive quantity (e.g. 100m, 0.5, 128Mi, 1Gi)`);
      else own[suffix] = value;
    }
    if (Object.keys(own).length) overrides.resources[sidecar] = own;
  }
  if (problems.length) return { kind: 'invalid', problems };
  return { kind: 'inject', sidecars, overrides };
}

/** The configured resources with this pod's annotations applied; problems when a request ends above its limit. */
export function applyResourceOverrides(base: Resources, own: PodOverrides['resources'][Sidecar], sidecar: Sidecar, problems: string[]): Resources {
  const out: Resources = { requests: { ...base.requests }, limits: { ...base.limits } };
  for (const [suffix, value] of Object.entries(own ?? {}) as [keyof typeof RESOURCE_ANNOTATIONS, string][]) {
    const { field, resource } = RESOURCE_ANNOTATIONS[suffix];
    out[field][resource] = value;
  }
  checkRequestWithinLimit({ problem: (path, reason) => problems.push(`${ANNOTATION_PREFIX}${sidecar}-* annotations: ${path} ${reason}`) }, out, 'resources');
  return out;
}
