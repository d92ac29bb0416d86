/**
 * Writes `google.protobuf.Struct` (for dynamic metadata) from the {@link WireStruct} form
 * `toStruct` builds, so the values kept or dropped are exactly the ones the proto-loader path
 * sends. Sizes are recomputed per nesting level: metadata is small and shallow.
 */
import type { WireStruct, WireValue } from './wire-types.js';
import { lenFieldSize, utf8Size, varintFieldSize, type WireWriter } from './wire-writer.js';

function valueSize(v: WireValue): number {
  if ('nullValue' in v) return varintFieldSize(0);
  if ('numberValue' in v) return 9;
  if ('stringValue' in v) return lenFieldSize(utf8Size(v.stringValue));
  if ('boolValue' in v) return varintFieldSize(1);
  if ('structValue' in v) return lenFieldSize(structSize(v.structValue));
  return lenFieldSize(listSize(v.listValue.values));
}

function listSize(values: readonly WireValue[]): number {
  let size = 0;
  for (const v of values) size += lenFieldSize(valueSize(v));
  return size;
}

function entrySize(key: string, v: WireValue): number {
  return lenFieldSize(utf8Size(key)) + lenFieldSize(valueSize(v));
}

/** Encoded size of a Struct's fields (the Struct message body, without its own tag and length). */
export function structSize(s: WireStruct): number {
  let size = 0;
  for (const key of Object.keys(s.fields)) size += lenFieldSize(entrySize(key, s.fields[key]!));
  return size;
}

function writeValue(w: WireWriter, v: WireValue): void {
  if ('nullValue' in v) w.varintField(1, 0);
  else if ('numberValue' in v) w.doubleField(2, v.numberValue);
  else if ('stringValue' in v) w.stringField(3, v.stringValue, utf8Size(v.stringValue));
  else if ('boolValue' in v) w.varintField(4, v.boolValue ? 1 : 0);
  else if ('structValue' in v) {
    w.lenHeader(5, structSize(v.structValue));
    writeStruct(w, v.structValue);
  } else {
    w.lenHeader(6, listSize(v.listValue.values));
    for (const item of v.listValue.values) {
      w.lenHeader(1, valueSize(item));
      writeValue(w, item);
    }
  }
}

/** Writes a Struct's fields (the message body; the caller writes its tag and {@link structSize}). */
export function writeStruct(w: WireWriter, s: WireStruct): void {
  for (const key of Object.keys(s.fields)) {
    const v = s.fields[key]!;
    w.lenHeader(1, entrySize(key, v));
    w.stringField(1, key, utf8Size(key));
    w.lenHeader(2, valueSize(v));
    writeValue(w, v);
  }
}
