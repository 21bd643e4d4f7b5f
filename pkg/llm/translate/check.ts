import type { Request } from '../canonical.ts';
import { invalid } from '../errors.ts';

/** Small structural checks shared by the dialect parsers: each throws a 400 naming the parameter. */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, param: string): Obj {
  if (!isObj(v)) throw invalid(`${param} must be an object`, param);
  return v;
}

export function arr(v: unknown, param: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(`${param} must be an array`, param);
  return v;
}

export function str(v: unknown, param: string): string {
  if (typeof v !== 'string') throw invalid(`${param} must be a string`, param);
  return v;
}

export function nonEmpty(v: unknown, param: string): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(`${param} is required and must be a non-empty string`, param);
  return v;
}

function optNum(v: unknown, param: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw invalid(`${param} must be a number from ${min} to ${max}`, param);
  return v;
}

export function optInt(v: unknown, param: string, min: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < min) throw invalid(`${param} must be an integer of at least ${min}`, param);
  return v as number;
}

export function optBool(v: unknown, param: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${param} must be a boolean`, param);
  return v;
}

function optStops(v: unknown, param: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw invalid(`${param} must be a string or an array of strings`, param);
}

/**
 * The sampling fields both dialects have, onto the canonical request: `temperature` from 0 to the dialect's
 * maximum (OpenAI 2, Anthropic 1), `top_p` and the stop sequences (OpenAI `stop`, Anthropic `stop_sequences`).
 */
export function parseSampling(b: Obj, request: Request, maxTemperature: number, stopParam: 'stop' | 'stop_sequences'): void {
  const temperature = optNum(b.temperature, 'temperature', 0, maxTemperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optNum(b.top_p, 'top_p', 0, 1);
  if (topP !== undefined) request.topP = topP;
  const stop = optStops(b[stopParam], stopParam);
  if (stop) request.stop = stop;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A tool definition both providers accept: a safe name and an object JSON Schema. */
export function toolSchema(name: unknown, schema: unknown, param: string): { name: string; parameters: Obj } {
  if (typeof name !== 'string' || !TOOL_NAME.test(name)) throw invalid(`${param}.name must match ^[a-zA-Z0-9_-]{1,64}$`, `${param}.name`);
  const parameters = schema === undefined ? { type: 'object', properties: {} } : schema;
  if (!isObj(parameters)) throw invalid(`${param} schema must be a JSON Schema object`, param);
  if (parameters.type !== undefined && parameters.type !== 'object') throw invalid(`${param} schema must describe an object (type "object")`, param);
  if (parameters.properties !== undefined && !isObj(parameters.properties)) throw invalid(`${param} schema properties must be an object`, param);
  if (parameters.required !== undefined && !(Array.isArray(parameters.required) && parameters.required.every((r) => typeof r === 'string'))) {
    throw invalid(`${param} schema required must be an array of strings`, param);
  }
  return { name, parameters: parameters.type === undefined ? { type: 'object', ...parameters } : parameters };
}

/** Parses tool-call arguments text into an object (Anthropic wants an object); invalid JSON is a 400. */
export function argsObject(text: string, param: string): Obj {
  if (text.trim() === '') return {};
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw invalid(`${param} is not valid JSON`, param); }
  if (!isObj(v)) throw invalid(`${param} must encode a JSON object`, param);
  return v;
}
