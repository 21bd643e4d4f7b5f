export { FLAG_KEYS, FlagsFileError, overrideVariable, type FlagKey } from './table.ts';
export { createFeatureFlags, type FeatureFlags, type FeatureFlagsOptions, type FlagsSnapshot } from './flags.ts';
