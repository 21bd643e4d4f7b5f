import { PilotfishError } from './pilotfish-error.ts';

/** An edge's mapping from the codes of the domain errors it serves to HTTP statuses. */
export type StatusByCode = Readonly<Record<string, number>>;

/**
 * The HTTP status an edge answers for `err`: the error's own `status` when it
 * is an HTTP error, else the edge's status for its `code`, else 500 (also for
 * anything that is not a PilotfishError: its details belong in the log).
 */
export function httpStatusOf(err: unknown, byCode: StatusByCode = {}): number {
  if (!(err instanceof PilotfishError)) return 500;
  if (err.status !== undefined) return err.status;
  return Object.hasOwn(byCode, err.code) ? byCode[err.code] : 500;
}
