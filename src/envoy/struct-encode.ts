/**
 * Writes `google.protobuf.Struct` (for dynamic metadata) straight from a plain object, keeping
 * and dropping exactly the values `toStruct` (struct.ts) keeps and drops, so the bytes are the
 * ones the proto-loader path sends. Two passes: the first measures every nested message once
 * and lists the sizes in the order the second pass writes them (a size is written before its
 * message), so nothing is measured twice and no intermediate Struct objects are built.
 */
import { lenFieldSize, utf8Size, type WireWriter } from './wire-writer.js';

/** Sizes in write order, filled by {@link structBodySize}, read by {@link writeStructBody}. */
export type StructSizes = number[];

/** Encoded size of a Value that is one byte of tag and one byte of varint (null, bool). */
const SMALL_VALUE = 2;
/** Encoded size of a Value holding a double: one byte of tag, eight of number. */
const NUMBER_VALUE = 9;

/** True when `toStruct` keeps the value (it drops undefined, functions, symbols and non-finite numbers). */
function kept(v: unknown): boolean {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v);
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'object': // null included
      return true;
    default:
      return false;
  }
}

/** Size of a kept value's Value message body; records nested sizes. */
function valueSize(v: unknown, sizes: StructSizes): number {
  if (v === null || typeof v === 'boolean') return SMALL_VALUE;
  if (typeof v === 'number' || typeof v === 'bigint') return NUMBER_VALUE;
  if (typeof v === 'string') {
    const n = utf8Size(v);
    sizes.push(n);
    return lenFieldSize(n);
  }
  const slot = sizes.length;
  sizes.push(0);
  let body = 0;
  if (Array.isArray(v)) {
    for (const item of v) if (kept(item)) body += lenFieldSize(valueSize(item, sizes));
  } else {
    body = structBodySize(v as Readonly<Record<string, unknown>>, sizes);
  }
  sizes[slot] = body;
  return lenFieldSize(body);
}

/**
 * Encoded size of a Struct's fields (the message body, without its own tag and length), with
 * the sizes {@link writeStructBody} needs appended to `sizes`.
 */
export function structBodySize(obj: Readonly<Record<string, unknown>>, sizes: StructSizes): number {
  let body = 0;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (!kept(v)) continue;
    const slot = sizes.length;
    sizes.push(0, 0);
    const keySize = utf8Size(key);
    const entry = lenFieldSize(keySize) + lenFieldSize(valueSize(v, sizes));
    sizes[slot] = entry;
    sizes[slot + 1] = keySize;
    body += lenFieldSize(entry);
  }
  return body;
}

/** Writes a kept value as field `field` (a Value message); returns the next size's index. */
function writeValue(w: WireWriter, field: number, v: unknown, sizes: StructSizes, at: number): number {
  if (v === null) {
    w.lenHeader(field, SMALL_VALUE);
    w.varintField(1, 0); // NULL_VALUE
    return at;
  }
  switch (typeof v) {
    case 'number':
    case 'bigint':
      w.lenHeader(field, NUMBER_VALUE);
      w.doubleField(2, Number(v));
      return at;
    case 'boolean':
      w.lenHeader(field, SMALL_VALUE);
      w.varintField(4, v ? 1 : 0);
      return at;
    case 'string': {
      const n = sizes[at]!;
      w.lenHeader(field, lenFieldSize(n));
      w.stringField(3, v, n);
      return at + 1;
    }
  }
  const body = sizes[at]!;
  let next = at + 1;
  w.lenHeader(field, lenFieldSize(body));
  if (Array.isArray(v)) {
    w.lenHeader(6, body); // ListValue
    for (const item of v) if (kept(item)) next = writeValue(w, 1, item, sizes, next);
    return next;
  }
  w.lenHeader(5, body); // Struct
  return writeStructBody(w, v as Readonly<Record<string, unknown>>, sizes, next);
}

/**
 * Writes a Struct's fields (the message body; the caller writes its tag and the size
 * {@link structBodySize} returned), reading `sizes` from index `at`; returns the next index.
 */
export function writeStructBody(w: WireWriter, obj: Readonly<Record<string, unknown>>, sizes: StructSizes, at = 0): number {
  let next = at;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (!kept(v)) continue;
    const entry = sizes[next]!;
    const keySize = sizes[next + 1]!;
    w.lenHeader(1, entry);
    w.stringField(1, key, keySize);
    next = writeValue(w, 2, v, sizes, next + 2);
  }
  return next;
}
