import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanTopLevelPrefix } from './json-prefix-scan.js';

const KEYS = new Set(['model', 'stream', 'n']);
const scan = (s: string) => scanTopLevelPrefix(Buffer.from(s), KEYS);

describe('scanTopLevelPrefix', () => {
  it('reads members whose values end inside the prefix', () => {
    const r = scan('{"model":"m","stream":true,"messages":[{"a":"}]"}],"n":3,"tail":"cut');
    expect(r.ok && Object.fromEntries(r.values)).toEqual({ model: 'm', stream: true, n: 3 });
  });

  it('does not take a value cut by the end of the prefix', () => {
    for (const s of ['{"model":"gpt-4', '{"n":12', '{"stream":tr', '{"model"', '{"model":', '{"mod']) {
      const r = scan(s);
      expect(r.ok && r.values.size).toBe(0);
    }
  });

  it('keeps the last duplicate and unescapes names', () => {
    const r = scan('{"model":"a","m\\u006fdel":"b","x":[');
    expect(r.ok && r.values.get('model')).toBe('b');
  });

  it('handles escaped quotes and backslashes in strings', () => {
    const r = scan('{"x":"a\\"b\\\\","model":"m\\"q","y":"\\\\');
    expect(r.ok && r.values.get('model')).toBe('m"q');
  });

  it('fails on structural errors in the seen part', () => {
    for (const s of ['[', '{"a" 1', '{"a":1 "b":2', '{1:2}', '{"a":[}', '{"model":tru,']) expect(scan(s).ok).toBe(false);
  });

  it('agrees with JSON.parse for every prefix of a valid object', () => {
    const value = fc.jsonValue({ maxDepth: 2 });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.constantFrom('model', 'stream', 'n', 'messages', 'z'), value), { selector: (t) => t[0], maxLength: 5 }),
        fc.nat(),
        (members, cutSeed) => {
          const parts = members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
          const json = `{${parts.join(',')}}`;
          const full = JSON.parse(json) as Record<string, unknown>;
          const cut = cutSeed % (json.length + 1);
          const r = scanTopLevelPrefix(Buffer.from(json.slice(0, cut)), KEYS);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          for (const [k, v] of r.values) expect(v).toEqual(full[k]);
          // Every requested member that ends (with a delimiter) inside the prefix is found.
          let offset = 1;
          for (const [i, [k]] of members.entries()) {
            offset += parts[i]!.length;
            if (KEYS.has(k) && offset < cut) expect(r.values.has(k)).toBe(true);
            offset += 1;
          }
        },
      ),
    );
  });
});
