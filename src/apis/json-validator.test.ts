import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JSON_VALIDATOR_LAYOUT } from './json-validator-wasm.js';
import { anyString, documentText, KEYS, mutate, mutationArb, ODD_KEYS, placed, reference } from '../../test/support/json-arbitraries.js';
import { prepareKeys } from './json-key-match.js';
import { jsonScanCorpus } from './json-scan.corpus.js';
import { scanTopLevel } from './json-scan.js';
import { validateTopLevel } from './json-validator.js';

const CHUNK = JSON_VALIDATOR_LAYOUT.chunk;

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * The validator on its own (no fallback): it must vouch for exactly the bodies JSON.parse
 * accepts (within its depth) and read the same values.
 */
function expectSameAsParse(body: Uint8Array, keys: ReadonlySet<string> = KEYS): void {
  const expected = reference(body, keys);
  const actual = validateTopLevel(asBuffer(body), prepareKeys(keys), false);
  const shown = () => JSON.stringify(Buffer.from(body).toString('utf8').slice(0, 200));
  if (!expected.ok) {
    expect(actual, `vouched for an invalid body: ${shown()}`).toBeUndefined();
    return;
  }
  expect(actual, `did not vouch for a valid body: ${shown()}`).toBeDefined();
  expect(actual!.ok).toBe(true);
  if (actual!.ok) expect(actual!.values).toEqual(expected.values);
}

/** More opening brackets than the module's stack holds (its one case in the corpus is valid). */
function beyondStack(body: Uint8Array): boolean {
  return body.filter((b) => b === 0x5b).length > JSON_VALIDATOR_STACK;
}
const JSON_VALIDATOR_STACK = 65_535;

describe('validateTopLevel on the corpus', () => {
  for (const c of jsonScanCorpus) {
    it(c.name, () => {
      for (const offset of [0, 1, 3]) {
        if (beyondStack(c.body)) expect(validateTopLevel(asBuffer(placed(c.body, offset)), prepareKeys(KEYS), false)).toBeUndefined();
        else expectSameAsParse(placed(c.body, offset));
      }
    });
  }
});

describe('validateTopLevel agrees with JSON.parse', () => {
  it('on JSON texts with duplicate, escaped and nested keys, and random whitespace', () => {
    fc.assert(
      fc.property(documentText, fc.integer({ min: 0, max: 7 }), (text, offset) => {
        const body = placed(Buffer.from(text, 'utf8'), offset);
        expectSameAsParse(body);
        expectSameAsParse(body, ODD_KEYS);
      }),
      { numRuns: 400 },
    );
  });

  it('on byte mutations of valid documents', () => {
    fc.assert(
      fc.property(documentText, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (text, mutations) => {
        const body = mutate(Buffer.from(text, 'utf8'), mutations);
        expectSameAsParse(body);
        expectSameAsParse(body, ODD_KEYS);
      }),
      { numRuns: 6000 },
    );
  });

  it('on planted model keys: first, last, duplicated, nested, inside strings, escaped', () => {
    const spelling = fc.constantFrom('"model"', '"mod\\u0065l"', '"\\u006d\\u006F\\u0064\\u0065\\u006c"', '"model "', '"Model"', '"mo\\"del"');
    const member = fc.oneof(
      fc.tuple(spelling, anyString).map(([k, v]) => `${k}:${JSON.stringify(v)}`),
      anyString.map((v) => `"messages":[{"role":"user","content":${JSON.stringify(v)},"model":"nested"}]`),
      anyString.map((v) => `"metadata":{"model":${JSON.stringify(v)}}`),
      anyString.map((v) => `"prompt":${JSON.stringify(`","model":"${v}`)}`),
      fc.constantFrom('"stream":true', '"stream":false', '"max_tokens":256', '"n":-1.5e3'),
    );
    fc.assert(
      fc.property(fc.array(member, { maxLength: 8 }), fc.constantFrom('', ' ', '\n  '), (members, space) => {
        expectSameAsParse(Buffer.from(`{${space}${members.join(`,${space}`)}${space}}`, 'utf8'));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('validateTopLevel across chunk boundaries', () => {
  // Each tail is placed so that every one of its bytes in turn is the first of a new chunk.
  const tails = [
    '"model":"gpt-4o","stream":true}',
    '"model":12345.678e-9,"x":[true,false,null]}',
    '"a":"\\u00e9\\\\\\"\\/\\n","model":"m"}',
    '"a":"\\\\\\\\","model":"m"}',
    '"mod\\u0065l":"escaped","z":{"model":"nested"}}',
    '"a":[1 ,2\t,\r\n3],"model":"ws"}',
  ];
  const broken = [
    '"a":"\\u00g9","model":"m"}',
    '"a":"\\x","model":"m"}',
    '"a":12.,"model":"m"}',
    '"a":tru,"model":"m"}',
    '"a":"\u0001","model":"m"}',
    '"a":1 2,"model":"m"}',
    '"a":"x""y","model":"m"}',
  ];
  for (const tail of [...tails, ...broken]) {
    it(tail, () => {
      const tailLength = Buffer.byteLength(tail);
      for (let shift = -2; shift <= tailLength + 2; shift++) {
        // {"pad":"xxx…", then the tail starting `shift` bytes before the chunk boundary
        const padLength = CHUNK - shift - '{"pad":"'.length - '",'.length;
        expectSameAsParse(Buffer.from(`{"pad":"${'x'.repeat(padLength)}",${tail}`, 'utf8'));
      }
    });
  }

  it('with numbers, escapes and strings longer than a chunk', () => {
    expectSameAsParse(Buffer.from(`{"n":${'9'.repeat(CHUNK * 2 + 5)},"model":"after"}`));
    expectSameAsParse(Buffer.from(`{"s":"${'\\\\'.repeat(CHUNK)}","model":"after"}`));
    expectSameAsParse(Buffer.from(`{"s":"${'\\"'.repeat(CHUNK)}","model":"after"}`));
    expectSameAsParse(Buffer.from(`[${'1,'.repeat(CHUNK)}2]`));
    expectSameAsParse(Buffer.from(`{"n":${'9'.repeat(CHUNK * 2 + 5)}x,"model":"after"}`));
  });

  it('with bodies of exactly one, two and three chunks, and one byte either side', () => {
    for (const size of [CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + 1, 3 * CHUNK]) {
      const number = '7'.repeat(size);
      expectSameAsParse(Buffer.from(number));
      const object = (fill: number) => `{"a":"${'x'.repeat(fill)}","model":1}`;
      expectSameAsParse(Buffer.from(object(size - object(0).length)));
      expectSameAsParse(Buffer.from(`${object(size - object(0).length - 1)}\\`));
      expectSameAsParse(Buffer.from(`{"model":"${'y'.repeat(size - 12)}"}`));
      expectSameAsParse(Buffer.from(`{"model":"${'y'.repeat(size - 13)}\\"`));
    }
  });

  it('on random documents of several chunks', () => {
    fc.assert(
      fc.property(fc.array(documentText, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3 * CHUNK }), (texts, padding) => {
        const body = `{"pad":"${'p'.repeat(padding)}",${texts.map((t, i) => `"k${i}":${t}`).join(',')},"model":"last"}`;
        expectSameAsParse(Buffer.from(body, 'utf8'));
      }),
      { numRuns: 60 },
    );
  });
});

describe('validateTopLevel', () => {
  it('reads spans of the last occurrence', () => {
    const body = Buffer.from('{"model":"a", "model" : "bb" , "x":1}');
    const result = validateTopLevel(body, prepareKeys(KEYS), true);
    expect(result).toEqual({ ok: true, values: new Map([['model', 'bb']]), spans: new Map([['model', { start: 24, end: 28 }]]) });
  });

  it('reads a 10 MB body through its window, allocating no copy of it', () => {
    const body = Buffer.from(`{"messages":[{"role":"user","content":"${'a\\n\\"b'.repeat(2_000_000)}"}],"model":"big"}`);
    expect(scanTopLevel(Buffer.from('{"warm":"up","pad":"' + 'x'.repeat(300) + '"}'), KEYS).ok).toBe(true);
    const before = process.memoryUsage();
    expect(scanTopLevel(body, KEYS)).toEqual({ ok: true, values: new Map([['model', 'big']]) });
    const after = process.memoryUsage();
    // a copy would be 10 MB of array buffers, or 10-20 MB of heap as a string
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(4 * 1024 * 1024);
  });

  it('leaves nesting deeper than its stack to the JavaScript scanner', () => {
    const depth = 70_000;
    const body = Buffer.from(`{"a":${'['.repeat(depth)}${']'.repeat(depth)},"model":"deep"}`);
    expect(validateTopLevel(body, prepareKeys(KEYS), false)).toBeUndefined();
    expect(scanTopLevel(body, KEYS)).toEqual({ ok: true, values: new Map([['model', 'deep']]) });
  });

  it('leaves invalid bodies to the JavaScript scanner, which says why', () => {
    const body = Buffer.from('{"model":"a",}');
    expect(validateTopLevel(body, prepareKeys(KEYS), false)).toBeUndefined();
    expect(scanTopLevel(body, KEYS)).toEqual({ ok: false, error: expect.stringContaining('byte 13') });
  });
});
