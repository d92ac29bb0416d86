import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretFiles } from './secret-files.js';

const logger = pino({ level: 'silent' });
const open: SecretFiles[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function files(): SecretFiles {
  const s = new SecretFiles({ logger, debounceMs: 10 });
  open.push(s);
  return s;
}

describe('SecretFiles', () => {
  it('reads a file trimmed and picks up a rewrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    const file = join(dir, 'key');
    writeFileSync(file, 'first\n');
    const s = files();
    expect(s.get(file)).toBe('first');
    const reloaded = s.nextReload(file);
    writeFileSync(file, 'second\n');
    await reloaded;
    expect(s.get(file)).toBe('second');
    rmSync(dir, { recursive: true });
  });

  it('follows a Kubernetes Secret symlink swap (..data)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    mkdirSync(join(dir, '..v1'));
    writeFileSync(join(dir, '..v1', 'key'), 'v1');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync(join('..data', 'key'), join(dir, 'key'));
    const s = files();
    expect(s.get(join(dir, 'key'))).toBe('v1');
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'key'), 'v2');
    const reloaded = s.nextReload(join(dir, 'key'));
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await reloaded;
    expect(s.get(join(dir, 'key'))).toBe('v2');
    rmSync(dir, { recursive: true });
  });

  it('an unreadable file gives undefined; a later removal keeps the last value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'));
    const s = files();
    expect(s.get(join(dir, 'missing'))).toBeUndefined();
    const file = join(dir, 'key');
    writeFileSync(file, 'kept');
    expect(s.get(file)).toBe('kept');
    const reloaded = s.nextReload(file);
    rmSync(file);
    await reloaded;
    expect(s.get(file)).toBe('kept');
    rmSync(dir, { recursive: true });
  });
});
