/**
 * Random JSON request bodies for the property tests of the top-level scanner (src/apis/json-scan.ts) and
 * its WebAssembly fast path (src/apis/json-validator.ts), with JSON.parse as the oracle: documents with
 * duplicate, escaped and nested keys and random whitespace and escaping, and byte mutations of
 * them. Test support only.
 */
import fc from 'fast-check';
import type { ScanResult } from '../../src/apis/json-scan.js';

/** The keys every scan asks for. */
export const KEYS: ReadonlySet<string> = new Set(['model', 'stream']);
/** Keys that exercise decoding: non-ASCII, the replacement character, empty, __proto__. */
export const ODD_KEYS: ReadonlySet<string> = new Set(['model', 'modèle', '\ufffd', '', '__proto__', '😀']);

/** What JSON.parse makes of the body: the oracle the scanner must agree with. */
export function reference(body: Uint8Array, keys: ReadonlySet<string>): ScanResult {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, error: String(err) };
  }
  const values = new Map<string, unknown>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const k of keys) if (Object.hasOwn(value, k)) values.set(k, (value as Record<string, unknown>)[k]);
  }
  return { ok: true, values };
}

/**
 * Copies the body into a larger buffer at `offset`, surrounded by bytes that would change the
 * outcome if read (quotes, control characters), so reads outside the view are caught.
 */
export function placed(body: Uint8Array, offset: number): Uint8Array {
  const backing = new Uint8Array(body.length + offset + 8).fill(offset % 2 === 0 ? 0x22 : 0x01);
  backing.set(body, offset);
  return backing.subarray(offset, offset + body.length);
}

/** Small deterministic PRNG for serialisation choices (seeded by fast-check, so runs replay). */
export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WS = [' ', '\t', '\n', '\r'];

function ws(r: () => number): string {
  let s = '';
  while (r() < 0.3) s += WS[Math.floor(r() * 4)]!;
  return s;
}

/** A JSON string literal with random but valid escaping (\uXXXX in either case, \/, …). */
function quote(s: string, r: () => number): string {
  let out = '"';
  for (const ch of s) {
    if (ch.length === 2 && r() < 0.7) {
      out += ch; // astral character as raw UTF-8
      continue;
    }
    for (let k = 0; k < ch.length; k++) {
      const unit = ch[k]!;
      if (r() < 0.15) {
        const hex = unit.charCodeAt(0).toString(16).padStart(4, '0');
        out += `\\u${r() < 0.5 ? hex : hex.toUpperCase()}`;
      } else if (unit === '/' && r() < 0.5) {
        out += '\\/';
      } else {
        out += JSON.stringify(unit).slice(1, -1); // escapes quotes, controls and lone surrogates
      }
    }
  }
  return out + '"';
}

/** Object members as an entry list, so duplicate keys can be expressed. */
type Entries = { readonly entries: ReadonlyArray<readonly [string, Doc]> };
/** A JSON document; `Entries` objects may repeat keys. */
export type Doc = null | boolean | number | string | Doc[] | Entries | { readonly [k: string]: Doc };

function isEntries(d: unknown): d is Entries {
  return typeof d === 'object' && d !== null && 'entries' in d && Array.isArray((d as Entries).entries);
}

/** Serialises with random whitespace and escaping; `Entries` may repeat keys. */
export function serialise(d: Doc, r: () => number): string {
  if (d === null || typeof d === 'boolean') return String(d);
  if (typeof d === 'number') return Object.is(d, -0) ? '-0' : JSON.stringify(d);
  if (typeof d === 'string') return quote(d, r);
  if (Array.isArray(d)) return `[${ws(r)}${d.map((x) => serialise(x, r) + ws(r)).join(`,${ws(r)}`)}]`;
  const entries = isEntries(d) ? d.entries : Object.entries(d);
  return `{${ws(r)}${entries.map(([k, v]) => `${quote(k, r)}${ws(r)}:${ws(r)}${serialise(v, r)}${ws(r)}`).join(`,${ws(r)}`)}}`;
}

/** Strings of every kind: binary, lone surrogates, escapes-to-be, model names. */
export const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }),
  fc.constantFrom('gpt-4o', 'claude-3', '', 'mod\u0065l', '"\\/\n\u0000\u001f'),
);
const keyName = fc.oneof(
  fc.constantFrom('model', 'stream', 'mode', 'models', 'Model', 'model ', 'messages', '', 'modèle', '__proto__', '\ufffd'),
  fc.string({ maxLength: 6 }),
);
const leaf = fc.oneof(anyString, fc.boolean(), fc.constant(null), fc.double({ noNaN: true }), fc.integer());

/** Any JSON document (small depth). */
export const docArb: fc.Arbitrary<Doc> = fc.letrec<{ doc: Doc }>((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf as fc.Arbitrary<Doc>,
    fc.array(tie('doc'), { maxLength: 4 }),
    fc
      .array(fc.tuple(keyName, tie('doc')), { maxLength: 6 })
      .map((entries): Doc => ({ entries: entries as ReadonlyArray<readonly [string, Doc]> })),
  ),
})).doc;

/** Top-level objects with the keys of interest, duplicated, at varying positions. */
export const requestArb: fc.Arbitrary<Doc> = fc
  .array(fc.tuple(keyName, docArb), { maxLength: 8 })
  .map((entries): Doc => ({ entries: entries as ReadonlyArray<readonly [string, Doc]> }));

/** Valid JSON texts: random requests and documents, serialised with random whitespace and escaping. */
export const documentText = fc.oneof(
  fc.tuple(requestArb, fc.integer()).map(([d, seed]) => serialise(d, rng(seed))),
  fc.tuple(docArb, fc.integer()).map(([d, seed]) => serialise(d, rng(seed))),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.json({ stringUnit: 'binary' }),
);

const interestingByte = fc.oneof(
  fc.constantFrom(
    ...Buffer.from('"\\{}[],:;=0123456789-+.eE tfnrulsaxu/\''),
    0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, 0x7f, 0x80, 0xa0, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xff,
  ),
  fc.integer({ min: 0, max: 255 }),
);

/** One byte-level change to a body. */
export type Mutation = { kind: 'replace' | 'replace-structural' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };
/** A random mutation (structural bytes are picked often). */
export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'replace-structural', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  byte: interestingByte,
});

const STRUCTURAL = new Set(Buffer.from('{}[],:"\\'));
const STRUCTURAL_SUBSTITUTES = [...Buffer.from('{}[],:;="\'\\ '), 0x00, 0x0a, 0xff];

/** Applies the mutations in order. */
export function mutate(body: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Buffer.from(body);
  for (const m of mutations) {
    if (m.kind === 'replace-structural') {
      // Replace the (at mod count)-th structural byte, to reach commas, colons and brackets often.
      const positions = [...b.keys()].filter((k) => STRUCTURAL.has(b[k]!));
      if (positions.length > 0) b[positions[m.at % positions.length]!] = STRUCTURAL_SUBSTITUTES[m.byte % STRUCTURAL_SUBSTITUTES.length]!;
      continue;
    }
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'replace' && b.length > 0) b[at] = m.byte;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else if (m.kind === 'truncate') b = b.subarray(0, at);
  }
  return b;
}

