export * from './types.ts';
export { AutoscalerError, invalidSpec } from './errors.ts';
export { DEFAULTS, defaultBehavior, defaultScaleDown, defaultScaleUp } from './defaults.ts';
export { resolveSpec } from './spec.ts';
export { recommend, recordScale } from './recommend.ts';
export { valueReplicas, averageValueReplicas, withinTolerance, type Tolerance } from './replicas.ts';
export { stabilize, scaleUpLimit, scaleDownLimit, limitRate } from './behavior.ts';
