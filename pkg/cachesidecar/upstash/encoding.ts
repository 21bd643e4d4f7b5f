/**
 * `Upstash-Encoding: base64` as Upstash answers it: every string of a result
 * is base64 (of its UTF-8) except a top-level `OK`; numbers and null stay;
 * arrays are encoded element by element, all the way down. Error strings are
 * never encoded (they are not results).
 */
export function encodeResult(value: unknown, base64: boolean): unknown {
  if (!base64) return plain(value);
  if (value === 'OK') return value;
  return encodeDeep(value);
}

function encodeDeep(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (Array.isArray(value)) return value.map(encodeDeep);
  return plain(value);
}

/** What JSON can carry: nested errors (a script's error reply inside an array) become their text. */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Error) return value.message;
  if (Array.isArray(value)) return value.map(plain);
  return value;
}
