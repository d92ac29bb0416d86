import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonScanCorpus } from './json-scan.corpus.js';
import { scanTopLevel, type ScanResult } from './json-scan.js';

const KEYS: ReadonlySet<string> = new Set(['model', 'stream']);
const ODD_KEYS: ReadonlySet<string> = new Set(['model', 'modèle', '\ufffd', '', '__proto__', '😀']);

/** What JSON.parse makes of the body: the oracle the scanner must agree with. */
function reference(body: Uint8Array, keys: ReadonlySet<string>): ScanResult {
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
function placed(body: Uint8Array, offset: number): Uint8Array {
  const backing = new Uint8Array(body.length + offset + 8).fill(offset % 2 === 0 ? 0x22 : 0x01);
  backing.set(body, offset);
  return backing.subarray(offset, offset + body.length);
}

function expectAgreement(body: Uint8Array, keys: ReadonlySet<string> = KEYS): void {
  const expected = reference(body, keys);
  const actual = scanTopLevel(body, keys);
  const shown = () => Buffer.from(body).toString('utf8').slice(0, 200);
  expect(actual.ok, `validity of ${JSON.stringify(shown())}`).toBe(expected.ok);
  if (actual.ok && expected.ok) expect(actual.values).toEqual(expected.values);
}

/** Small deterministic PRNG for serialisation choices (seeded by fast-check, so runs replay). */
function rng(seed: number): () => number {
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
type Doc = null | boolean | number | string | Doc[] | Entries | { readonly [k: string]: Doc };

function isEntries(d: unknown): d is Entries {
  return typeof d === 'object' && d !== null && 'entries' in d && Array.isArray((d as Entries).entries);
}

/** Serialises with random whitespace and escaping; `Entries` may repeat keys. */
function serialise(d: Doc, r: () => number): string {
  if (d === null || typeof d === 'boolean') return String(d);
  if (typeof d === 'number') return Object.is(d, -0) ? '-0' : JSON.stringify(d);
  if (typeof d === 'string') return quote(d, r);
  if (Array.isArray(d)) return `[${ws(r)}${d.map((x) => serialise(x, r) + ws(r)).join(`,${ws(r)}`)}]`;
  const entries = isEntries(d) ? d.entries : Object.entries(d);
  return `{${ws(r)}${entries.map(([k, v]) => `${quote(k, r)}${ws(r)}:${ws(r)}${serialise(v, r)}${ws(r)}`).join(`,${ws(r)}`)}}`;
}

const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }),
  fc.constantFrom('gpt-4o', 'claude-3', '', 'mod\u0065l', '"\\/\n\u0000\u001f'),
);
const keyName = fc.oneof(
  fc.constantFrom('model', 'stream', 'mode', 'models', 'Model', 'model ', 'messages', '', 'modèle', '__proto__', '\ufffd'),
  fc.string({ maxLength: 6 }),
);
const leaf = fc.oneof(anyString, fc.boolean(), fc.constant(null), fc.double({ noNaN: true }), fc.integer());

const docArb: fc.Arbitrary<Doc> = fc.letrec<{ doc: Doc }>((tie) => ({
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
const requestArb: fc.Arbitrary<Doc> = fc
  .array(fc.tuple(keyName, docArb), { maxLength: 8 })
  .map((entries): Doc => ({ entries: entries as ReadonlyArray<readonly [string, Doc]> }));

const documentText = fc.oneof(
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

type Mutation = { kind: 'replace' | 'replace-structural' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'replace-structural', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  byte: interestingByte,
});

const STRUCTURAL = new Set(Buffer.from('{}[],:"\\'));
const STRUCTURAL_SUBSTITUTES = [...Buffer.from('{}[],:;="\'\\ '), 0x00, 0x0a, 0xff];

function mutate(body: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
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

describe('scanTopLevel on the corpus', () => {
  for (const c of jsonScanCorpus) {
    it(c.name, () => {
      const oracle = reference(c.body, KEYS);
      expect(oracle.ok, 'corpus entry disagrees with JSON.parse').toBe(c.valid);
      for (const offset of [0, 1, 2, 3]) {
        const result = scanTopLevel(placed(c.body, offset), KEYS);
        expect(result.ok).toBe(c.valid);
        if (result.ok && oracle.ok) {
          expect(result.values).toEqual(new Map(Object.entries(c.values ?? {})));
          expect(result.values).toEqual(oracle.values);
        }
      }
    });
  }
});

describe('scanTopLevel', () => {
  it('reports why a body is invalid', () => {
    const result = scanTopLevel(Buffer.from('{"model":01}'), KEYS);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/byte 10/) });
  });

  it('accepts a plain Uint8Array and an empty key set', () => {
    const body = new TextEncoder().encode('{"model":"m"}');
    expect(scanTopLevel(body, KEYS)).toEqual({ ok: true, values: new Map([['model', 'm']]) });
    expect(scanTopLevel(body, new Set())).toEqual({ ok: true, values: new Map() });
  });

  it('compares non-ASCII and replacement-character keys after decoding', () => {
    const body = Buffer.concat([Buffer.from('{"'), Buffer.from([0xff]), Buffer.from('":1,"mod\\u00e8le":2,"\\ud83d\\ude00":3}')]);
    expect(scanTopLevel(body, ODD_KEYS)).toEqual({
      ok: true,
      values: new Map<string, unknown>([
        ['\ufffd', 1],
        ['modèle', 2],
        ['😀', 3],
      ]),
    });
  });

  it('accepts nesting far deeper than a recursive parser could', () => {
    const depth = 200_000;
    const body = Buffer.from(`{"a":${'[{"b":'.repeat(depth)}0${'}]'.repeat(depth)},"model":"deep"}`);
    expect(scanTopLevel(body, KEYS)).toEqual({ ok: true, values: new Map([['model', 'deep']]) });
    expectAgreement(body);
  });
});

describe('scanTopLevel agrees with JSON.parse', () => {
  it('on JSON texts with duplicate, escaped and nested keys, and random whitespace', () => {
    fc.assert(
      fc.property(documentText, fc.integer({ min: 0, max: 7 }), (text, offset) => {
        const body = placed(Buffer.from(text, 'utf8'), offset);
        expect(reference(body, KEYS).ok).toBe(true);
        expectAgreement(body);
        expectAgreement(body, ODD_KEYS);
      }),
      { numRuns: 400 },
    );
  });

  it('on byte mutations of valid documents', () => {
    fc.assert(
      fc.property(documentText, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 7 }), (text, mutations, offset) => {
        const body = placed(mutate(Buffer.from(text, 'utf8'), mutations), offset);
        expectAgreement(body);
        expectAgreement(body, ODD_KEYS);
      }),
      { numRuns: 4000 },
    );
  });

  it('with big strings before the model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400_000 }),
        fc.constantFrom('x', 'é', '日', '\\"', '\\n', '\\\\', '\\u00e9', '\n', '\u0001', `${'y'.repeat(40)}\\"`, `${'z'.repeat(50)}\\q`),
        fc.boolean(),
        anyString,
        (length, piece, nested, model) => {
          const big = `"${piece.repeat(length)}"`;
          const text = nested
            ? `{"messages":[{"role":"user","content":${big},"model":"inner"}],"model":${JSON.stringify(model)}}`
            : `{"prompt":${big},"model":${JSON.stringify(model)},"stream":true}`;
          expectAgreement(Buffer.from(text, 'utf8'));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('on deep nesting, balanced or broken', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 3000 }),
        fc.constantFrom('none', 'drop-closer', 'extra-closer', 'swap-closer'),
        (kinds, breakage) => {
          const open = kinds.map((isObject) => (isObject ? '{"model":' : '[')).join('');
          let close = kinds
            .map((isObject) => (isObject ? '}' : ']'))
            .reverse()
            .join('');
          if (breakage === 'drop-closer') close = close.slice(1);
          if (breakage === 'extra-closer') close += close[0];
          if (breakage === 'swap-closer') close = (close[0] === '}' ? ']' : '}') + close.slice(1);
          expectAgreement(Buffer.from(`{"a":${open}1${close},"model":"top"}`));
          expectAgreement(Buffer.from(`${open}"x"${close}`));
        },
      ),
      { numRuns: 100 },
    );
  });
});
