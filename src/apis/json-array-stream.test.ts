import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomChunks, seededRandom } from '../../test/support/chunking.js';
import { JsonArraySplitter } from './json-array-stream.js';

function split(text: string, seed: number, max = 8, cap?: number): { out: unknown[]; splitter: JsonArraySplitter } {
  const splitter = new JsonArraySplitter(cap);
  const out: unknown[] = [];
  for (const c of randomChunks(Buffer.from(text), seededRandom(seed), max)) for (const e of splitter.push(c)) out.push(JSON.parse(e));
  for (const e of splitter.end()) out.push(JSON.parse(e));
  return { out, splitter };
}

describe('JsonArraySplitter', () => {
  it('emits elements as they complete', () => {
    const s = new JsonArraySplitter();
    expect(s.push(Buffer.from('[{"a":1},'))).toEqual(['{"a":1}']);
    expect(s.push(Buffer.from('\r\n{"b":"}]'))).toEqual([]);
    expect(s.push(Buffer.from('"}]'))).toEqual(['{"b":"}]"}']);
  });

  it('treats a top-level object as one element and ignores what follows', () => {
    expect(split('  {"error":{"code":400}}  trailing', 3).out).toEqual([{ error: { code: 400 } }]);
  });

  it('handles escapes split across chunks', () => {
    for (let seed = 1; seed < 30; seed++) {
      expect(split('[{"t":"a\\"]}\\\\"},{"u":["\\\\\\"",{}]}]', seed, 3).out).toEqual([{ t: 'a"]}\\' }, { u: ['\\"', {}] }]);
    }
  });

  it('drops elements over the cap and says so', () => {
    const { out, splitter } = split(`[{"big":"${'x'.repeat(100)}"},{"small":1}]`, 2, 16, 50);
    expect(out).toEqual([{ small: 1 }]);
    expect(splitter.lastError).toMatch(/1 element/);
  });

  it('agrees with JSON.parse on arrays of objects', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }), fc.nat(), (arr, seed) => {
        expect(split(JSON.stringify(arr, null, seed % 2 ? 2 : undefined), seed, 1 + (seed % 13)).out).toEqual(JSON.parse(JSON.stringify(arr)));
      }),
    );
  });
});
