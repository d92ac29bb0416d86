/**
 * Converts plain JS values to protobuf `Struct` in proto-loader's object form (for dynamic
 * metadata) and back (for request attributes). Non-finite numbers and undefined values are
 * dropped; other values become strings.
 */
import type { WireStruct, WireValue } from './wire-types.js';

function toValue(v: unknown): WireValue | undefined {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? { numberValue: v } : undefined;
    case 'bigint':
      return { numberValue: Number(v) };
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'object':
      if (Array.isArray(v)) {
        return { listValue: { values: v.map(toValue).filter((x): x is WireValue => x !== undefined) } };
      }
      return { structValue: toStruct(v as Record<string, unknown>) };
    default:
      return undefined;
  }
}

/** Plain object → Struct. */
export function toStruct(obj: Readonly<Record<string, unknown>>): WireStruct {
  const fields: Record<string, WireValue> = {};
  for (const [k, v] of Object.entries(obj)) {
    const value = toValue(v);
    if (value !== undefined) fields[k] = value;
  }
  return { fields };
}

function fromValue(v: WireValue | undefined): unknown {
  if (!v || typeof v !== 'object') return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('numberValue' in v) return v.numberValue;
  if ('boolValue' in v) return v.boolValue;
  if ('nullValue' in v) return null;
  if ('structValue' in v) return fromStruct(v.structValue);
  if ('listValue' in v) return (v.listValue?.values ?? []).map(fromValue);
  return undefined;
}

/** Struct (as decoded) → plain object; malformed parts are left out. */
export function fromStruct(s: WireStruct | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) {
    const value = fromValue(v);
    if (value !== undefined) out[k] = value;
  }
  return out;
}
