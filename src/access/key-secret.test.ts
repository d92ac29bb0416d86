import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSecret, hashesEqual, hashSecret, keyIdOf } from './key-secret.js';

describe('key secrets', () => {
  it('embed a 16-hex id and 256 random bits; the id is recoverable', () => {
    const { id, secret } = generateSecret();
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(secret).toMatch(new RegExp(`^lxk_${id}_[A-Za-z0-9_-]{43}$`));
    expect(keyIdOf(secret)).toBe(id);
    expect(generateSecret().secret).not.toBe(secret);
  });

  it.each(['', 'sk-abc', 'lxk_', 'lxk_0123456789abcdef', 'lxk_0123456789ABCDEF_' + 'a'.repeat(43), 'lxk_0123456789abcdef_' + 'a'.repeat(42), ' lxk_0123456789abcdef_' + 'a'.repeat(43)])(
    'malformed %j has no id',
    (s) => expect(keyIdOf(s)).toBeUndefined(),
  );

  it('hashes to sha256 hex', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares hashes: equal, different, and wrong lengths never equal', () => {
    const a = hashSecret('a');
    expect(hashesEqual(a, hashSecret('a'))).toBe(true);
    expect(hashesEqual(a, hashSecret('b'))).toBe(false);
    expect(hashesEqual(a, a.slice(0, 63))).toBe(false);
    expect(hashesEqual(a.slice(0, 10), a.slice(0, 10))).toBe(false);
    expect(hashesEqual('0'.repeat(64), '')).toBe(false);
    expect(hashesEqual(a, a + 'x')).toBe(false);
  });

  it('uses crypto.timingSafeEqual for every comparison', () => {
    const source = readFileSync(new URL('./key-secret.ts', import.meta.url), 'utf8');
    const body = (name: string) => source.slice(source.indexOf(`export function ${name}`)).split('\n}\n')[0]!;
    expect(body('hashesEqual')).toContain('timingSafeEqual(');
    expect(source).not.toMatch(/===\s*expected|a\s*===\s*b/);
  });
});
