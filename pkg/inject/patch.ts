/**
 * The injection decision and its RFC 6902 JSON patch, from a pod and a
 * config: pure, so every pod shape is a unit test.
 */
import { applyResourceOverrides, INJECTED_ANNOTATION, parseInjectionAnnotations } from './annotations.ts';
import type { InjectionConfig } from './config.ts';
import { InjectionConfigError } from './errors.ts';
import { appEnv, cacheSidecar, llmProxySidecar, TMP_VOLUME } from './sidecars.ts';
import { SIDECAR_CONTAINER, SIDECARS, type Container, type EnvVar, type InjectionResult, type JsonPatchOp, type Pod, type Sidecar } from './types.ts';

/** RFC 6901: `~` and `/` escaped in one path segment. */
const pointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** Adds to each app container the variables it does not set itself (a sidecar kept in `containers` by hand gets none). */
function appEnvOps(containers: readonly Container[], wanted: readonly EnvVar[]): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const sidecarNames = new Set(Object.values(SIDECAR_CONTAINER));
  containers.forEach((c, i) => {
    if (sidecarNames.has(c.name)) return;
    const own = new Set((c.env ?? []).map((e) => e.name));
    const add = wanted.filter((e) => !own.has(e.name));
    if (add.length === 0) return;
    if (!c.env) ops.push({ op: 'add', path: `/spec/containers/${i}/env`, value: add });
    else for (const e of add) ops.push({ op: 'add', path: `/spec/containers/${i}/env/-`, value: e });
  });
  return ops;
}

/** The sidecars a pod already runs: named by the webhook's marker, or present as containers of the chart's names. */
function presentSidecars(pod: Pod): Sidecar[] {
  const marker = (pod.metadata?.annotations?.[INJECTED_ANNOTATION] ?? '').split(',').map((s) => s.trim());
  const names = new Set([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name));
  return SIDECARS.filter((s) => marker.includes(s) || names.has(SIDECAR_CONTAINER[s]));
}

/**
 * Decides for one pod: `skip` (nothing to do, admitted unchanged), `refuse`
 * (the pod asked for something it cannot have: denied with the message) or
 * the patch that adds the missing sidecars. `config` may be the error of an
 * unreadable configuration: it refuses only pods that ask for injection.
 */
export function injectionPatch(pod: Pod, config: InjectionConfig | InjectionConfigError, annotations: Readonly<Record<string, string>> = pod.metadata?.annotations ?? {}): InjectionResult {
  const request = parseInjectionAnnotations(annotations);
  if (request.kind === 'none') return { skip: { code: 'not_requested', message: 'no pilotfish.dev/inject annotation' } };
  if (request.kind === 'invalid') return { refuse: { code: 'invalid_annotation', message: request.problems.join('; ') } };
  const spec = pod.spec ?? {};
  if (spec.nodeSelector?.['kubernetes.io/os'] === 'windows' || (spec.os as { name?: string } | undefined)?.name === 'windows') {
    return { skip: { code: 'windows_node', message: 'pod selects Windows nodes; the sidecar image is Linux only, so nothing was injected' } };
  }
  if (spec.hostNetwork) {
    return { refuse: { code: 'host_network', message: 'pilotfish.dev/inject: a hostNetwork pod shares the node\'s 127.0.0.1, so its sidecars\' pod-local ports would collide with other pods\' and be reachable by every process on the node; remove hostNetwork or the annotation' } };
  }
  if (config instanceof InjectionConfigError) return { refuse: { code: 'invalid_config', message: `pilotfish.dev/inject: the injection config is invalid: ${config.message}` } };

  const present = presentSidecars(pod);
  const missing = SIDECARS.filter((s) => request.sidecars.includes(s) && !present.includes(s));
  // On re-invocation every sidecar may be there while a container another webhook added still lacks the URLs.
  const envOps = appEnvOps(spec.containers ?? [], appEnv(config, SIDECARS.filter((s) => request.sidecars.includes(s))));
  if (missing.length === 0) {
    if (envOps.length === 0) return { skip: { code: 'already_injected', message: `already has ${request.sidecars.join(', ')}` } };
    return { patch: envOps, injected: [] };
  }

  const ports = new Map<number, string>();
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) for (const p of c.ports ?? []) ports.set(p.containerPort, c.name);
  for (const s of missing) {
    const own = s === 'cache' ? config.cache : config.llm;
    for (const port of [own.port, own.adminPort]) {
      const holder = ports.get(port);
      if (holder) return { refuse: { code: 'port_conflict', message: `pilotfish.dev/inject: container "${holder}" declares port ${port}, which the ${SIDECAR_CONTAINER[s]} sidecar needs; change one of them` } };
    }
  }

  const problems: string[] = [];
  const containers: Container[] = [];
  for (const s of missing) {
    if (s === 'cache') containers.push(cacheSidecar(config, applyResourceOverrides(config.cache.resources, request.overrides.resources.cache, 'cache', problems), request.overrides.cacheScopes));
    else containers.push(llmProxySidecar(config, applyResourceOverrides(config.llm.resources, request.overrides.resources.llm, 'llm', problems)));
  }
  if (problems.length) return { refuse: { code: 'invalid_annotation', message: problems.join('; ') } };

  const patch: JsonPatchOp[] = [];
  // Native sidecars go first, so they are up before the pod's own init containers run.
  if (!spec.initContainers) patch.push({ op: 'add', path: '/spec/initContainers', value: containers });
  else containers.forEach((c, i) => patch.push({ op: 'add', path: `/spec/initContainers/${i}`, value: c }));

  if (!(spec.volumes ?? []).some((v) => v.name === TMP_VOLUME)) {
    const volume = { name: TMP_VOLUME, emptyDir: { sizeLimit: '64Mi' } };
    patch.push(spec.volumes ? { op: 'add', path: '/spec/volumes/-', value: volume } : { op: 'add', path: '/spec/volumes', value: [volume] });
  }

  patch.push(...envOps);

  const marker = SIDECARS.filter((s) => present.includes(s) || missing.includes(s)).join(',');
  if (!pod.metadata?.annotations) patch.push({ op: 'add', path: '/metadata/annotations', value: { [INJECTED_ANNOTATION]: marker } });
  else patch.push({ op: 'add', path: `/metadata/annotations/${pointer(INJECTED_ANNOTATION)}`, value: marker });
  return { patch, injected: missing };
}
