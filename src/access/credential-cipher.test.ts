import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialCipher, CredentialCipherError, loadCredentialCipher, parseDataKey } from './credential-cipher.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('CredentialCipher', () => {
  it('seals and opens, with a fresh IV each time, never holding the secret in clear', () => {
    const c = new CredentialCipher({ id: 'k1', key: k1 });
    const a = c.seal('sk-project-secret', 'team-a', 'openai');
    const b = c.seal('sk-project-secret', 'team-a', 'openai');
    expect(a.keyId).toBe('k1');
    expect(a.ciphertext).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.ciphertext.slice(3), 'base64url').toString('latin1')).not.toContain('sk-project');
    expect(c.open(a, 'team-a', 'openai')).toBe('sk-project-secret');
  });

  it('refuses a ciphertext moved to another project or provider, or altered', () => {
    const c = new CredentialCipher({ id: 'k1', key: k1 });
    const s = c.seal('secret', 'team-a', 'openai');
    expect(() => c.open(s, 'team-b', 'openai')).toThrow(CredentialCipherError);
    expect(() => c.open(s, 'team-a', 'anthropic')).toThrow(CredentialCipherError);
    const blob = Buffer.from(s.ciphertext.slice(3), 'base64url');
    blob[blob.length - 1]! ^= 1;
    expect(() => c.open({ keyId: 'k1', ciphertext: `v1.${blob.toString('base64url')}` }, 'team-a', 'openai')).toThrow(/does not open/);
    expect(() => c.open({ keyId: 'k1', ciphertext: 'v9.abc' }, 'team-a', 'openai')).toThrow(/format/);
  });

  it('rotation: the new key seals, the previous key still opens what it sealed, an unknown id is refused', () => {
    const old = new CredentialCipher({ id: 'k1', key: k1 });
    const sealedOld = old.seal('old-secret', 'p', 'openai');
    const rotated = new CredentialCipher({ id: 'k2', key: k2 }, new Map([['k1', k1]]));
    expect(rotated.open(sealedOld, 'p', 'openai')).toBe('old-secret');
    expect(rotated.seal('x', 'p', 'openai').keyId).toBe('k2');
    expect(rotated.canOpen('k1')).toBe(true);
    const dropped = new CredentialCipher({ id: 'k2', key: k2 });
    expect(dropped.canOpen('k1')).toBe(false);
    expect(() => dropped.open(sealedOld, 'p', 'openai')).toThrow(/no data key with id "k1"/);
  });

  it('parses data keys as hex or base64 of exactly 32 bytes', () => {
    expect(parseDataKey(k1.toString('hex'))).toEqual(k1);
    expect(parseDataKey(`${k1.toString('base64')}\n`)).toEqual(k1);
    expect(parseDataKey(k1.toString('base64url'))).toEqual(k1);
    expect(parseDataKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseDataKey('correct horse battery staple')).toBeUndefined();
    expect(() => new CredentialCipher({ id: 'x', key: randomBytes(16) })).toThrow(/32 bytes/);
  });
});

describe('loadCredentialCipher', () => {
  it('reads the data key from a file and old keys from the environment, naming what is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'data-key-'));
    try {
      await writeFile(join(dir, 'data.key'), `${k2.toString('base64')}\n`);
      const env: Record<string, string> = { OLD_KEY: k1.toString('hex') };
      const cipher = await loadCredentialCipher(
        { dataKey: { id: 'k2', filename: 'data.key' }, previousDataKeys: [{ id: 'k1', env: 'OLD_KEY' }] },
        { baseDir: dir, readEnv: (n) => env[n] },
      );
      expect(cipher.currentKeyId).toBe('k2');
      expect(cipher.open(new CredentialCipher({ id: 'k1', key: k1 }).seal('s', 'p', 'x'), 'p', 'x')).toBe('s');
      await expect(loadCredentialCipher({ dataKey: { id: 'k3', env: 'NOPE' }, previousDataKeys: [] }, { baseDir: dir, readEnv: () => undefined })).rejects.toThrow(
        /data key "k3": environment variable NOPE is unset/,
      );
      await writeFile(join(dir, 'short.key'), 'abc');
      await expect(loadCredentialCipher({ dataKey: { id: 'k4', filename: 'short.key' }, previousDataKeys: [] }, { baseDir: dir })).rejects.toThrow(/32 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
