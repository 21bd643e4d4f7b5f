import { makeValidator, EnvError } from 'envalid';
import { parseDuration } from './duration.ts';

/** Milliseconds, written as `250`, `500ms`, `15s`, `5m` or `1h`. */
export const duration = makeValidator<number>((input) => {
  const ms = parseDuration(input);
  if (ms === undefined) throw new EnvError('expected a duration such as 250, 500ms, 15s, 5m or 1h');
  return ms;
});

/** A whole number within bounds. */
export function intInRange(min: number, max: number) {
  return makeValidator<number>((input) => {
    const n = Number(input);
    if (!Number.isInteger(n) || n < min || n > max) throw new EnvError(`expected an integer from ${min} to ${max}`);
    return n;
  });
}

/** A comma-separated list; empty items are dropped. */
export const commaList = makeValidator<string[]>((input) =>
  String(input)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/**
 * `true|1|yes|on` or `false|0|no|off`, case-insensitive and trimmed; empty is
 * false. Broader than envalid's `bool`, which takes only the exact lower-case
 * `true|t|yes|on|1` and `false|f|no|off|0`.
 */
export const flag = makeValidator<boolean>((input) => {
  const v = String(input).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw new EnvError('expected true or false');
});
