/**
 * Redis's idea of an integer value (what INCRBY accepts), for the adapters
 * that must decide it themselves: a decimal integer with no sign but `-`, no
 * spaces, no leading zeros. Limited to JS safe integers so results stay exact.
 */
const INTEGER_TEXT = /^(0|-?[1-9]\d{0,15})$/;

export function parseStoredInteger(text: string): number | undefined {
  if (!INTEGER_TEXT.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function isSafeIncrement(by: unknown): by is number {
  return typeof by === 'number' && Number.isSafeInteger(by);
}
