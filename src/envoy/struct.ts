/**
 * Converts plain JS values to protobuf `Struct` in proto-loader's object form (for dynamic
 * metadata). Non-finite numbers and undefined values are dropped; other values become strings.
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
