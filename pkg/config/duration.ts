/**
 * Parses a duration given as milliseconds (`1500`, `"1500"`) or with a unit
 * (`500ms`, `15s`, `5m`, `1h`). Returns milliseconds, or `undefined` when the
 * text is not a duration, so callers decide how to report the error.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input) : undefined;
  if (typeof input !== 'string') return undefined;
  const match = DURATION.exec(input.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 'ms'];
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
