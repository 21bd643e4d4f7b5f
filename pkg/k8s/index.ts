export { loadKubeConfig, type KubeConfigOptions } from './config.ts';
export { apiStatus, isConflict, isNotFound, describeApiError } from './errors.ts';
export { WatchedInformer, type WatchedInformerOptions } from './informer.ts';
export { ScaleClient, type TargetRef, type ScaleReading } from './scale.ts';
export { StatusWriter, type CustomResourceRef } from './status.ts';
export { EventRecorder, type EventRecorderOptions, type InvolvedObject } from './events.ts';
export { LeaderElector, type LeaderElectorOptions } from './lease.ts';
export { HpaDetector } from './hpa.ts';
export { SecretReader } from './secrets.ts';
