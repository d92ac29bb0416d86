import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tokensEqual } from './token.js';

describe('admin token check', () => {
  it('compares tokens of any length', () => {
    expect(tokensEqual('s3cret', 's3cret')).toBe(true);
    expect(tokensEqual('s3cret', 's3cre')).toBe(false);
    expect(tokensEqual('', 'x')).toBe(false);
  });

  it('uses crypto.timingSafeEqual', () => {
    const source = readFileSync(new URL('./token.ts', import.meta.url), 'utf8');
    expect(source).toContain('timingSafeEqual(');
    expect(source).not.toMatch(/===\s*expected/);
  });
});
