/**
 * `Upstash-Encoding: base64` as Upstash answers it: every string of a result
 * is base64 except a top-level `OK`; numbers and null stay; arrays are encoded
 * element by element, all the way down. Error strings are never encoded (they
 * are not results).
 *
 * Replies from Redis arrive as bytes (ioredis `callBuffer`): base64 is taken
 * of the bytes themselves, so a value that is not UTF-8 comes back exact, and
 * with no decoding to a string and encoding back in between. Without base64 a
 * value is sent as its UTF-8 text (JSON carries text only).
 */
export function encodeResult(value: unknown, base64: boolean): unknown {
  if (!base64) return plain(value);
  if (isOk(value)) return 'OK';
  return encodeDeep(value);
}

/** The JSON text of `encodeResult(value, base64)`, written directly. */
export function resultJson(value: unknown, base64: boolean): string {
  if (base64 && isOk(value)) return '"OK"';
  return json(value, base64);
}

/** The reply with every byte string as UTF-8 text: what the reply shapes (key names, SHAs) read. */
export function textOf(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(textOf);
  return value;
}

function isOk(value: unknown): boolean {
  if (typeof value === 'string') return value === 'OK';
  return Buffer.isBuffer(value) && value.length === 2 && value[0] === 0x4f && value[1] === 0x4b;
}

function json(value: unknown, base64: boolean): string {
  if (Buffer.isBuffer(value)) return base64 ? `"${value.toString('base64')}"` : JSON.stringify(value.toString('utf8'));
  if (typeof value === 'string') return base64 ? `"${Buffer.from(value, 'utf8').toString('base64')}"` : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (value === null || value === undefined) return 'null';
  if (value instanceof Error) return JSON.stringify(value.message);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i ? ',' : '') + json(value[i], base64);
    return `${text}]`;
  }
  return JSON.stringify(value);
}

function encodeDeep(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (Array.isArray(value)) return value.map(encodeDeep);
  return plain(value);
}

/** What JSON can carry: nested errors (a script's error reply inside an array) become their text, bytes their UTF-8 text. */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Error) return value.message;
  if (Array.isArray(value)) return value.map(plain);
  return value;
}
