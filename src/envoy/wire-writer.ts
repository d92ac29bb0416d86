/**
 * Protocol Buffers wire-format writing into one Buffer whose size is computed beforehand (so
 * large byte fields are copied exactly once, into the message grpc-js sends). Sizes come from
 * the helpers below; {@link WireWriter.finish} checks that the writes filled the buffer exactly.
 */
import { WIRE } from './wire-reader.js';

/** Bytes a varint of the int32/enum/uint32 value `n` takes (negative values take 10, as protobuf writes them). */
export function varintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

/** Bytes a length-delimited field (tag of a field number below 16, length, payload of `len` bytes) takes. */
export function lenFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** Bytes a varint field (field number below 16) takes. */
export function varintFieldSize(n: number): number {
  return 1 + varintSize(n);
}

/**
 * Strings up to this length are measured and written in JavaScript when they are ASCII (header
 * names and values, metadata keys): a call into `Buffer.byteLength` or `Buffer.write` costs more
 * than reading a few dozen characters.
 */
const SHORT_STRING = 64;

/** True when `s` is short and ASCII only, so its UTF-8 form is its characters, one byte each. */
function isShortAscii(s: string): boolean {
  const n = s.length;
  if (n > SHORT_STRING) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** UTF-8 length of a string, as Buffer writes it. */
export function utf8Size(s: string): number {
  if (isShortAscii(s)) return s.length;
  return Buffer.byteLength(s, 'utf8');
}

/** Writes fields into a buffer of a known size. Field numbers must be below 16 (one-byte tags). */
export class WireWriter {
  readonly buf: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** A tag for `field` with wire type `type`. */
  tag(field: number, type: number): void {
    this.buf[this.pos++] = (field << 3) | type;
  }

  /** A varint of an int32/enum/uint32 value (negative values as ten bytes of two's complement). */
  varint(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      // Sign-extended to 64 bits: the low 32 bits, then ones.
      let lo = n >>> 0;
      for (let i = 0; i < 4; i++) {
        buf[this.pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      buf[this.pos++] = (lo & 0x0f) | 0xf0;
      for (let i = 0; i < 4; i++) buf[this.pos++] = 0xff;
      buf[this.pos++] = 0x01;
      return;
    }
    while (n >= 0x80) {
      buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[this.pos++] = n;
  }

  /** A varint field. */
  varintField(field: number, n: number): void {
    this.tag(field, WIRE.VARINT);
    this.varint(n);
  }

  /** The tag and length of a length-delimited field whose payload (of `len` bytes) follows. */
  lenHeader(field: number, len: number): void {
    this.tag(field, WIRE.LEN);
    this.varint(len);
  }

  /** A bytes field, copied in. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.lenHeader(field, bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A string field of `size` UTF-8 bytes (from {@link utf8Size}). */
  stringField(field: number, s: string, size: number): void {
    this.lenHeader(field, size);
    if (size === s.length && size <= SHORT_STRING) {
      // ASCII (a string's UTF-8 size equals its length only when every character is ASCII).
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < size; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
    } else if (size > 0) {
      this.pos += this.buf.write(s, this.pos, size, 'utf8');
    }
  }

  /** A double field (fixed 64). */
  doubleField(field: number, n: number): void {
    this.tag(field, WIRE.I64);
    this.buf.writeDoubleLE(n, this.pos);
    this.pos += 8;
  }

  /** The written message; throws if the computed size and the writes disagree. */
  finish(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`protobuf writer: wrote ${this.pos} bytes into ${this.buf.length}`);
    return this.buf;
  }
}
