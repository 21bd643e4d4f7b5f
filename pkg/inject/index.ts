export { injectionPatch } from './patch.ts';
export { parseInjectionAnnotations, type InjectionRequest } from './annotations.ts';
export { parseConfigLayer, resolveInjectionConfig, type InjectionConfig } from './config.ts';
export { InjectionConfigError } from './errors.ts';
export { SIDECAR_COMMAND, SIDECAR_SECURITY_CONTEXT } from './sidecars.ts';
export { applyJsonPatch } from './json-patch.ts';
export type { Pod, Container, EnvVar, JsonPatchOp, InjectionResult } from './types.ts';
