/**
 * Protocol Buffers wire-format reading over a received Buffer: varints, fixed-width values,
 * length-delimited ranges and skipping of any field by wire type (groups included). Every read
 * is bounds-checked; bad bytes raise {@link MalformedMessageError}, never a RangeError from a
 * Buffer read past the end.
 */

/** Wire types of the protobuf encoding. */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** Bytes that are not a well-formed protobuf message. */
export class MalformedMessageError extends Error {
  constructor(what: string) {
    super(`malformed protobuf message: ${what}`);
    this.name = 'MalformedMessageError';
  }
}

/** Groups nested deeper than this are refused (a stack guard). */
const MAX_GROUP_DEPTH = 64;

/**
 * A cursor over `buf` from `pos` to `end`. Sub-messages are read by moving `end` in and out
 * (see {@link WireReader.enter}), so no reader or Buffer is allocated per nested message.
 */
export class WireReader {
  /** Next byte to read. */
  pos: number;
  /** One past the last byte of the message being read. */
  end: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos;
    this.end = end;
  }

  /** More bytes remain in the current message. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** An unsigned varint of up to 32 bits (higher bits of a longer varint are dropped, as protobuf does for uint32). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= this.end) throw new MalformedMessageError('truncated varint');
      const b = buf[pos++]!;
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    throw new MalformedMessageError('varint longer than 10 bytes');
  }

  /** A varint read as a bool (any non-zero low 32 bits is true, as protobufjs reads it). */
  bool(): boolean {
    return this.uint32() !== 0;
  }

  /** A little-endian double. */
  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) throw new MalformedMessageError('truncated double');
    this.pos = pos + 8;
    return this.buf.readDoubleLE(pos);
  }

  /** Reads a length prefix and returns the end of the range it announces (the range starts at `pos`). */
  lengthEnd(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.end) throw new MalformedMessageError('length past the end of the message');
    return end;
  }

  /** A length-delimited field as a view of the received bytes (no copy). */
  bytes(): Buffer {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  /** A length-delimited field decoded as UTF-8. */
  string(): string {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    return start === end ? '' : this.buf.toString('utf8', start, end);
  }

  /**
   * Enters a length-delimited sub-message: returns the enclosing message's end, to be passed to
   * {@link WireReader.leave} once the sub-message is read.
   */
  enter(): number {
    const outer = this.end;
    this.end = this.lengthEnd();
    return outer;
  }

  /** Leaves a sub-message entered with {@link WireReader.enter}. */
  leave(outerEnd: number): void {
    this.pos = this.end;
    this.end = outerEnd;
  }

  /** Skips the value of a field of wire type `wireType` whose tag was just read. */
  skip(wireType: number, field: number, depth = 0): void {
    switch (wireType) {
      case WIRE.VARINT:
        this.uint32();
        return;
      case WIRE.I64:
        this.advance(8);
        return;
      case WIRE.LEN:
        this.pos = this.lengthEnd();
        return;
      case WIRE.I32:
        this.advance(4);
        return;
      case WIRE.SGROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw new MalformedMessageError('groups nested too deep');
        for (;;) {
          if (!this.more()) throw new MalformedMessageError('unterminated group');
          const tag = this.uint32();
          const type = tag & 7;
          if (type === WIRE.EGROUP) {
            if (tag >>> 3 !== field) throw new MalformedMessageError('group ended by another field number');
            return;
          }
          this.skip(type, tag >>> 3, depth + 1);
        }
      }
      default:
        throw new MalformedMessageError(`wire type ${wireType} ${wireType === WIRE.EGROUP ? 'outside a group' : 'is invalid'}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new MalformedMessageError('truncated fixed-width field');
    this.pos += n;
  }
}

/** Throws unless a known field arrived with the wire type its declaration gives it. */
export function expectWireType(actual: number, expected: number, field: string): void {
  if (actual !== expected) throw new MalformedMessageError(`${field} has wire type ${actual}, expected ${expected}`);
}
