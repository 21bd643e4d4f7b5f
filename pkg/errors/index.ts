export { PilotfishError, type PilotfishErrorOptions } from './pilotfish-error.ts';
export { httpStatusOf, type StatusByCode } from './status.ts';
