/**
 * Reading a request body as a JSON object, and small typed accessors for untrusted request
 * values whose wrong type is the client's mistake (a 400 naming the field).
 */
import { asObject } from '../apis/json-fields.js';
import { invalid } from './refusal.js';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** The body parsed as a JSON object, or a 400. */
export function parseBodyObject(body: Buffer): Json {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return invalid('body', 'the request body is not valid JSON');
  }
  const obj = asObject(value);
  if (obj === undefined) return invalid('body', 'the request body must be a JSON object');
  return obj;
}

/** True when `v` is absent or JSON null. */
export function isUnset(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/** `v` as an array, or a 400 naming `param`. */
export function arrayAt(v: unknown, param: string): unknown[] {
  if (!Array.isArray(v)) return invalid(param, 'must be an array');
  return v;
}

/** `v` as an object, or a 400 naming `param`. */
export function objectOf(v: unknown, param: string): Json {
  const o = asObject(v);
  if (o === undefined) return invalid(param, 'must be an object');
  return o;
}

/** `v` as a string, or a 400 naming `param`. */
export function stringOf(v: unknown, param: string): string {
  if (typeof v !== 'string') return invalid(param, 'must be a string');
  return v;
}

/** `v` as a number when set, or a 400 naming `param`. */
export function optionalNumber(v: unknown, param: string): number | undefined {
  if (isUnset(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return invalid(param, 'must be a number');
  return v;
}

/** `v` as a boolean when set, or a 400 naming `param`. */
export function optionalBoolean(v: unknown, param: string): boolean | undefined {
  if (isUnset(v)) return undefined;
  if (typeof v !== 'boolean') return invalid(param, 'must be a boolean');
  return v;
}

/** OpenAI `stop` (string or array of strings) as a list, or undefined when unset. */
export function stopList(v: unknown, param: string): string[] | undefined {
  if (isUnset(v)) return undefined;
  if (typeof v === 'string') return [v];
  const list = arrayAt(v, param);
  return list.map((s, i) => stringOf(s, `${param}[${i}]`));
}

/**
 * Refuses every member of `body` that is set and not in `known`, naming it: what a target
 * cannot express is refused, never dropped.
 */
export function refuseUnknown(body: Json, known: ReadonlySet<string>, param: string, target: string, refuseFn: (param: string, target: string, what?: string) => never): void {
  for (const [key, value] of Object.entries(body)) {
    if (!known.has(key) && !isUnset(value)) refuseFn(param === '' ? key : `${param}.${key}`, target);
  }
}

/** `JSON.parse` of tool-call arguments, or a 400 naming `param`. */
export function parseArguments(text: unknown, param: string): Json {
  if (isUnset(text) || text === '') return {};
  if (typeof text !== 'string') return invalid(param, 'must be a JSON string');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid(param, 'is not valid JSON');
  }
  const o = asObject(value);
  if (o === undefined) return invalid(param, 'must encode a JSON object');
  return o;
}
