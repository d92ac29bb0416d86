import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString, documentText, KEYS, mutate, mutationArb, ODD_KEYS, placed, reference } from '../../test/support/json-arbitraries.js';
import { jsonScanCorpus } from './json-scan.corpus.js';
import { scanTopLevel } from './json-scan.js';

function expectAgreement(body: Uint8Array, keys: ReadonlySet<string> = KEYS): void {
  const expected = reference(body, keys);
  const actual = scanTopLevel(body, keys);
  const shown = () => Buffer.from(body).toString('utf8').slice(0, 200);
  expect(actual.ok, `validity of ${JSON.stringify(shown())}`).toBe(expected.ok);
  if (actual.ok && expected.ok) expect(actual.values).toEqual(expected.values);
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
