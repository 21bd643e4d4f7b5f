/**
 * The response cache's key: a SHA-256 of the request in a canonical form, so
 * two requests that mean the same (object keys in any order, an alias or its
 * model) share an entry and any change of meaning (a message, a tool, a
 * sampling parameter, the model) does not.
 */
import { createHash } from 'node:crypto';
import type { Dialect } from '../canonical.ts';

/** JSON with every object's keys sorted; arrays keep their order (order is meaning there). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * Fields that change how an answer is delivered, not what it says: a streamed and a whole answer of one request
 * share an entry (the cache keeps the canonical answer and encodes it either way). `model` is replaced by the model
 * routing chose.
 */
const DELIVERY = new Set(['model', 'stream', 'stream_options']);

export interface KeyInput {
  dialect: Dialect;
  /** The provider and model routing chose (after aliases and `provider/` prefixes). */
  provider: string;
  model: string;
  /** The caller's JSON body. */
  body: Record<string, unknown>;
}

/** 64 hex digits. Version 1 of the key form: bump it when the stored answer's shape changes. */
export function responseCacheKey(input: KeyInput): string {
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(input.body)) if (!DELIVERY.has(k)) rest[k] = input.body[k];
  const text = canonicalJson({ v: 1, dialect: input.dialect, provider: input.provider, model: input.model, request: rest });
  return createHash('sha256').update(text).digest('hex');
}
