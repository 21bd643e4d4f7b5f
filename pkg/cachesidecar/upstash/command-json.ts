/**
 * The body of `POST /upstash` as `@upstash/redis` sends it, read without
 * JSON.parse: `JSON.stringify` of a short array of strings and integers with no
 * escapes and no spaces (`["get","k1k"]`, `["set","k","v","ex",100]`). Anything
 * else (escapes, non-ASCII, whitespace, booleans, floats, nesting) is left to
 * the general path, which parses it with JSON.parse and checks every argument.
 * This path must agree with that one on everything it accepts: the arguments
 * are the strings as written, and an integer is the text `String(n)` gives.
 */

/** Longest body read here; longer ones are values, which JSON.parse reads faster than a byte loop. */
const MAX_FAST_BYTES = 512;
/** Integers of up to 15 digits are exact in a double, so their text is what String(JSON.parse(text)) gives. */
const MAX_INTEGER_DIGITS = 15;

/** The bytes the simple shape is made of. */
const QUOTE = 0x22, COMMA = 0x2c, OPEN = 0x5b, CLOSE = 0x5d, BACKSLASH = 0x5c, MINUS = 0x2d, ZERO = 0x30, NINE = 0x39;

/** The command's arguments, or undefined when the body is not of the simple shape. */
export function parseSimpleCommand(body: Buffer): string[] | undefined {
  const n = body.length;
  // The name must be a string: `[1,...]` gets the general path's error.
  if (n < 4 || n > MAX_FAST_BYTES || body[0] !== OPEN || body[1] !== QUOTE || body[n - 1] !== CLOSE) return undefined;
  const args: string[] = [];
  let i = 1;
  for (;;) {
    const end = body[i] === QUOTE ? stringEnd(body, i + 1) : integerEnd(body, i);
    if (end < 0) return undefined;
    args.push(body[i] === QUOTE ? body.toString('latin1', i + 1, end - 1) : body.toString('latin1', i, end));
    const next = body[end];
    if (next === CLOSE) return end === n - 1 ? args : undefined;
    if (next !== COMMA) return undefined;
    i = end + 1;
  }
}

/** Index after the closing quote of a string starting at `from`, or -1 when it has escapes or non-printable-ASCII bytes. */
function stringEnd(body: Buffer, from: number): number {
  for (let i = from; i < body.length; i++) {
    const c = body[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 0x20 || c > 0x7e) return -1;
  }
  return -1;
}

/** Index after an integer starting at `from` (no leading zeros, no `-0`), or -1. */
function integerEnd(body: Buffer, from: number): number {
  let i = body[from] === MINUS ? from + 1 : from;
  const first = i;
  while (i < body.length && body[i] >= ZERO && body[i] <= NINE) i++;
  const digits = i - first;
  if (digits === 0 || digits > MAX_INTEGER_DIGITS) return -1;
  if (body[first] === ZERO && (digits > 1 || first !== from)) return -1;
  return i;
}
