import { describe, expect, it } from 'vitest';
import { toStruct } from './struct.js';

describe('toStruct', () => {
  it('converts numbers, strings, booleans and null', () => {
    expect(toStruct({ n: 12, s: 'gpt-4o', b: true, z: null })).toEqual({
      fields: { n: { numberValue: 12 }, s: { stringValue: 'gpt-4o' }, b: { boolValue: true }, z: { nullValue: 'NULL_VALUE' } },
    });
  });

  it('converts nested objects and lists', () => {
    expect(toStruct({ usage: { input: 3, models: ['a', 1] } })).toEqual({
      fields: {
        usage: {
          structValue: {
            fields: { input: { numberValue: 3 }, models: { listValue: { values: [{ stringValue: 'a' }, { numberValue: 1 }] } } },
          },
        },
      },
    });
  });

  it('converts bigint to a number', () => {
    expect(toStruct({ big: 2n ** 40n })).toEqual({ fields: { big: { numberValue: 2 ** 40 } } });
  });

  it('drops undefined, non-finite numbers, functions and symbols — in objects and lists', () => {
    expect(toStruct({ u: undefined, nan: NaN, inf: Infinity, f: () => 1, sym: Symbol('s'), ok: 1 })).toEqual({ fields: { ok: { numberValue: 1 } } });
    expect(toStruct({ l: [1, undefined, NaN, 'x'] })).toEqual({ fields: { l: { listValue: { values: [{ numberValue: 1 }, { stringValue: 'x' }] } } } });
  });

  it('converts an empty object to an empty Struct', () => {
    expect(toStruct({})).toEqual({ fields: {} });
  });
});
