/**
 * Test support for the wire codec: arbitraries of unknown protobuf fields (every wire type,
 * groups nested) and an injector that walks a message by its protobufjs type and inserts them at
 * chosen boundaries of the message and of every sub-message (map entries included), fixing up
 * the length prefixes on the way out.
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';

/** One field a message's type does not declare (its number is moved off declared ones when injected). */
export type UnknownField =
  | { readonly field: number; readonly wire: 0; readonly value: bigint }
  | { readonly field: number; readonly wire: 1 | 5; readonly bytes: Uint8Array }
  | { readonly field: number; readonly wire: 2; readonly bytes: Uint8Array }
  | { readonly field: number; readonly wire: 3; readonly inner: readonly UnknownField[] };

const fieldNumber = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 29 - 1 }));

/** Unknown fields of every wire type: varints up to 64 bits, fixed 32/64, length-delimited, groups. */
export const unknownFieldArb: fc.Arbitrary<UnknownField> = fc.letrec<{ field: UnknownField }>((tie) => ({
  field: fc.oneof(
    { depthSize: 'small' },
    fc.record({ field: fieldNumber, wire: fc.constant(0 as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
    fc.record({ field: fieldNumber, wire: fc.constant(1 as const), bytes: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
    fc.record({ field: fieldNumber, wire: fc.constant(5 as const), bytes: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
    fc.record({ field: fieldNumber, wire: fc.constant(2 as const), bytes: fc.uint8Array({ maxLength: 24 }) }),
    fc.record({ field: fieldNumber, wire: fc.constant(3 as const), inner: fc.array(tie('field'), { maxLength: 3 }) }),
  ),
})).field;

/** Where to inject: `picks[i] % 3 === 0` inserts the next unknown field at the i-th boundary met. */
export interface InjectionPlan {
  readonly unknowns: readonly UnknownField[];
  readonly picks: readonly number[];
}

/** Injection plans. */
export const injectionPlanArb: fc.Arbitrary<InjectionPlan> = fc.record({
  unknowns: fc.array(unknownFieldArb, { maxLength: 12 }),
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
});

function varint(n: bigint): number[] {
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

/** Encodes an unknown field whose number is `field`. */
export function encodeUnknown(u: UnknownField, field: number): Buffer {
  const tag = (w: number): number[] => varint(BigInt(field) * 8n + BigInt(w));
  switch (u.wire) {
    case 0:
      return Buffer.from([...tag(0), ...varint(u.value)]);
    case 1:
    case 5:
      return Buffer.from([...tag(u.wire), ...u.bytes]);
    case 2:
      return Buffer.concat([Buffer.from([...tag(2), ...varint(BigInt(u.bytes.length))]), u.bytes]);
    case 3:
      return Buffer.concat([Buffer.from(tag(3)), ...u.inner.map((i) => encodeUnknown(i, i.field)), Buffer.from(tag(4))]);
  }
}

class Injector {
  private unknown = 0;
  private pick = 0;
  /** Unknown fields inserted so far. */
  injected = 0;

  constructor(private readonly plan: InjectionPlan) {}

  /** The unknown field to insert at this boundary, if the plan says so. */
  next(declared: ReadonlySet<number>): Buffer | undefined {
    const { unknowns, picks } = this.plan;
    const p = picks[this.pick++ % picks.length]!;
    if (p % 3 !== 0 || this.unknown >= unknowns.length) return undefined;
    const u = unknowns[this.unknown++]!;
    let field = u.field;
    while (declared.has(field)) field += 100;
    this.injected++;
    return encodeUnknown(u, field);
  }
}

/** The message type a length-delimited field of `type` holds, if any (maps: their entry, as a pseudo type). */
type Nested = { kind: 'message'; type: protobuf.Type } | { kind: 'map'; value: protobuf.Type | undefined };

function nestedOf(type: protobuf.Type, id: number): Nested | undefined {
  const field = type.fieldsById[id];
  if (!field) return undefined;
  field.resolve();
  if (field instanceof protobuf.MapField) {
    return { kind: 'map', value: field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined };
  }
  return field.resolvedType instanceof protobuf.Type ? { kind: 'message', type: field.resolvedType } : undefined;
}

function lengthPrefixed(tagBytes: Buffer, payload: Buffer): Buffer {
  return Buffer.concat([tagBytes, Buffer.from(varint(BigInt(payload.length))), payload]);
}

function walk(bytes: Uint8Array, declared: ReadonlySet<number>, inner: (id: number, payload: Buffer) => Buffer | undefined, inj: Injector): Buffer {
  const reader = protobuf.Reader.create(bytes);
  const parts: Buffer[] = [];
  const maybeInject = (): void => {
    const u = inj.next(declared);
    if (u) parts.push(u);
  };
  while (reader.pos < reader.len) {
    maybeInject();
    const start = reader.pos;
    const tag = reader.uint32();
    const tagBytes = Buffer.from(bytes.subarray(start, reader.pos));
    const id = tag >>> 3;
    if ((tag & 7) === 2) {
      const payload = Buffer.from(reader.bytes());
      const rewritten = inner(id, payload);
      parts.push(lengthPrefixed(tagBytes, rewritten ?? payload));
    } else {
      reader.skipType(tag & 7);
      parts.push(Buffer.from(bytes.subarray(start, reader.pos)));
    }
  }
  maybeInject();
  return Buffer.concat(parts);
}

function injectMessage(type: protobuf.Type, bytes: Uint8Array, inj: Injector): Buffer {
  const declared = new Set(Object.keys(type.fieldsById).map(Number));
  return walk(
    bytes,
    declared,
    (id, payload) => {
      const nested = nestedOf(type, id);
      if (!nested) return undefined;
      if (nested.kind === 'message') return injectMessage(nested.type, payload, inj);
      const valueType = nested.value;
      return walk(payload, new Set([1, 2]), (entryId, p) => (entryId === 2 && valueType ? injectMessage(valueType, p, inj) : undefined), inj);
    },
    inj,
  );
}

/**
 * Re-encodes `bytes` (a message of `type`) with unknown fields inserted where `plan` says, in
 * the message and in every sub-message; returns the bytes and how many fields were inserted.
 */
export function injectUnknownFields(type: protobuf.Type, bytes: Uint8Array, plan: InjectionPlan): { bytes: Buffer; injected: number } {
  const inj = new Injector(plan);
  const out = injectMessage(type, bytes, inj);
  return { bytes: out, injected: inj.injected };
}
