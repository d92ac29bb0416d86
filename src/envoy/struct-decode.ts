/**
 * Reads `google.protobuf.Struct` / `Value` / `ListValue` straight from the wire into plain JS
 * values, with the answers {@link fromStruct} gives for the same bytes decoded by proto-loader:
 * a Value with no kind is left out of a Struct (and is `undefined` in a list).
 */
import { expectWireType, MalformedMessageError, WIRE, type WireReader } from './wire-reader.js';

/** Nesting of Struct / ListValue beyond which a message is refused (a stack guard). */
const MAX_DEPTH = 100;

function depthGuard(depth: number): void {
  if (depth > MAX_DEPTH) throw new MalformedMessageError('Struct nested too deep');
}

/** Reads one Value sub-message (the reader is positioned at its length prefix). */
function readValue(r: WireReader, depth: number): unknown {
  depthGuard(depth);
  const outer = r.enter();
  let value: unknown;
  while (r.more()) {
    const tag = r.uint32();
    const type = tag & 7;
    switch (tag >>> 3) {
      case 1: // null_value
        expectWireType(type, WIRE.VARINT, 'Value.null_value');
        r.uint32();
        value = null;
        break;
      case 2: // number_value
        expectWireType(type, WIRE.I64, 'Value.number_value');
        value = r.double();
        break;
      case 3: // string_value
        expectWireType(type, WIRE.LEN, 'Value.string_value');
        value = r.string();
        break;
      case 4: // bool_value
        expectWireType(type, WIRE.VARINT, 'Value.bool_value');
        value = r.bool();
        break;
      case 5: // struct_value
        expectWireType(type, WIRE.LEN, 'Value.struct_value');
        value = readStruct(r, depth + 1);
        break;
      case 6: // list_value
        expectWireType(type, WIRE.LEN, 'Value.list_value');
        value = readList(r, depth + 1);
        break;
      default:
        r.skip(type, tag >>> 3);
    }
  }
  r.leave(outer);
  return value;
}

function readList(r: WireReader, depth: number): unknown[] {
  depthGuard(depth);
  const outer = r.enter();
  const values: unknown[] = [];
  while (r.more()) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) {
      expectWireType(tag & 7, WIRE.LEN, 'ListValue.values');
      values.push(readValue(r, depth + 1));
    } else {
      r.skip(tag & 7, tag >>> 3);
    }
  }
  r.leave(outer);
  return values;
}

/**
 * Reads a map entry (`key = 1`, `value = 2`) whose value is read by `readEntryValue`; returns
 * the key and the value (`undefined` when the entry has none).
 */
export function readMapEntry<T>(r: WireReader, what: string, readEntryValue: (r: WireReader) => T): [string, T | undefined] {
  const outer = r.enter();
  let key = '';
  let value: T | undefined;
  while (r.more()) {
    const tag = r.uint32();
    const type = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWireType(type, WIRE.LEN, `${what} key`);
        key = r.string();
        break;
      case 2:
        expectWireType(type, WIRE.LEN, `${what} value`);
        value = readEntryValue(r);
        break;
      default:
        r.skip(type, tag >>> 3);
    }
  }
  r.leave(outer);
  return [key, value];
}

/**
 * Reads a Struct sub-message (the reader is positioned at its length prefix) into a plain
 * object. A key repeated on the wire keeps its last value, as protobuf maps do; `__proto__` is
 * never an own key of the result.
 */
export function readStruct(r: WireReader, depth = 0): Record<string, unknown> {
  depthGuard(depth);
  const outer = r.enter();
  const fields: Record<string, unknown> = {};
  let sawEmpty = false;
  const readFieldValue = (reader: WireReader): unknown => readValue(reader, depth + 1);
  while (r.more()) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) {
      expectWireType(tag & 7, WIRE.LEN, 'Struct.fields');
      const [key, value] = readMapEntry(r, 'Struct.fields', readFieldValue);
      if (key === '__proto__') continue;
      fields[key] = value;
      if (value === undefined) sawEmpty = true;
    } else {
      r.skip(tag & 7, tag >>> 3);
    }
  }
  r.leave(outer);
  if (sawEmpty) {
    for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  }
  return fields;
}
