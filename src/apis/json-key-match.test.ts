import { describe, expect, it } from 'vitest';
import { matchKey, prepareKeys } from './json-key-match.js';

/** Runs matchKey on the key literal `literal` (with its quotes), as the scanner would. */
function match(literal: Uint8Array | string, names: string[]): string | null {
  const b = Buffer.from(literal);
  return matchKey(b, 1, b.length - 1, b.includes(0x5c), prepareKeys(new Set(names)));
}

describe('matchKey', () => {
  it('matches plain ASCII names by bytes, and only whole names', () => {
    expect(match('"model"', ['model', 'stream'])).toBe('model');
    expect(match('"stream"', ['model', 'stream'])).toBe('stream');
    expect(match('"mode"', ['model'])).toBeNull();
    expect(match('"models"', ['model'])).toBeNull();
    expect(match('""', ['model'])).toBeNull();
    expect(match('""', [''])).toBe('');
  });

  it('compares escaped names after unescaping', () => {
    expect(match('"mod\\u0065l"', ['model'])).toBe('model');
    expect(match('"\\u006D\\u006F\\u0064\\u0065\\u006C"', ['model'])).toBe('model');
    expect(match('"mod\\/el"', ['model', 'mod/el'])).toBe('mod/el');
    expect(match('"model\\u0000"', ['model'])).toBeNull();
  });

  it('compares non-ASCII names after decoding, invalid UTF-8 as U+FFFD', () => {
    expect(match('"modèle"', ['modèle'])).toBe('modèle');
    expect(match('"modèle"', ['model'])).toBeNull();
    expect(match(Buffer.from([0x22, 0xff, 0x22]), ['\ufffd'])).toBe('\ufffd');
    expect(match(Buffer.from([0x22, 0xef, 0xbf, 0xbd, 0x22]), ['\ufffd'])).toBe('\ufffd');
    expect(match('"\\ud83d\\ude00"', ['😀'])).toBe('😀');
  });
});
