import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findControlBytes } from './json-control-bytes.js';

/** Byte-by-byte statement of what findControlBytes answers. */
function naive(b: Uint8Array): number {
  let whitespace = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20) {
      if (c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
      whitespace = true;
    }
  }
  return whitespace ? -2 : -1;
}

describe('findControlBytes', () => {
  it('answers -1 for clean text, -2 with tab/LF/CR, else the first bad offset', () => {
    expect(findControlBytes(Buffer.from('{"a":"é日"}'.repeat(20)))).toBe(-1);
    expect(findControlBytes(Buffer.from(`${'x'.repeat(40)}\n${'y'.repeat(40)}`))).toBe(-2);
    expect(findControlBytes(Buffer.from(`${'x'.repeat(40)}\t${'y'.repeat(40)}\x01\x00`))).toBe(81);
    expect(findControlBytes(new Uint8Array(0))).toBe(-1);
  });

  it('agrees with a byte-by-byte scan at every alignment and length', () => {
    const byte = fc.oneof(
      fc.integer({ min: 0x20, max: 0xff }),
      fc.constantFrom(0x00, 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1f, 0x7f, 0x80, 0x9f, 0xa0),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0x20, max: 0xff }), { maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), byte), { maxLength: 4 }),
        fc.integer({ min: 0, max: 7 }),
        (plain, inserts, offset) => {
          const bytes = Uint8Array.from(plain);
          for (const [at, v] of inserts) if (bytes.length > 0) bytes[at % bytes.length] = v;
          // Surround the view with bad bytes: reading outside it would change the answer.
          const backing = new Uint8Array(bytes.length + offset + 8).fill(0x01);
          backing.set(bytes, offset);
          const view = backing.subarray(offset, offset + bytes.length);
          expect(findControlBytes(view)).toBe(naive(bytes));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
