export { injectionPatch, presentSidecars, pointer } from './patch.ts';
export {
  parseInjectionAnnotations, applyResourceOverrides,
  INJECT_ANNOTATION, INJECTED_ANNOTATION, CACHE_SCOPES_ANNOTATION, ANNOTATION_PREFIX,
  type InjectionRequest, type PodOverrides,
} from './annotations.ts';
export {
  parseConfigLayer, mergeLayers, resolveInjectionConfig, DEFAULT_INJECTION_CONFIG,
  type InjectionConfig, type CacheSidecarConfig, type LlmProxyConfig, type SecretRef, type Resources,
} from './config.ts';
export { InjectionConfigError } from './errors.ts';
export { cacheSidecar, llmProxySidecar, appEnv, SIDECAR_COMMAND, SIDECAR_SECURITY_CONTEXT, TMP_VOLUME } from './sidecars.ts';
export { parseQuantity } from './quantity.ts';
export { applyJsonPatch } from './json-patch.ts';
export { SIDECARS, SIDECAR_CONTAINER, type Pod, type PodSpec, type Container, type EnvVar, type JsonPatchOp, type Sidecar, type Reason, type InjectionResult } from './types.ts';
