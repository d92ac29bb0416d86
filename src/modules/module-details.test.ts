import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeModule, packageNameOf } from './module-details.js';

let dir: string;
let configDir: string;
let elsewhere: string;

async function writePackage(root: string, name: string, pkg: Record<string, unknown>): Promise<void> {
  const at = join(root, 'node_modules', name);
  await mkdir(join(at, 'dist'), { recursive: true });
  await writeFile(join(at, 'package.json'), JSON.stringify({ name, main: 'dist/index.js', ...pkg }));
  // A nested package.json without a name (as ESM builds ship) must not stop the walk.
  await writeFile(join(at, 'dist', 'package.json'), JSON.stringify({ type: 'commonjs' }));
  await writeFile(join(at, 'dist', 'index.js'), 'module.exports = () => ({ calculate: () => "x" });\n');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'module-details-'));
  configDir = join(dir, 'etc', 'llm-extproc');
  elsewhere = join(dir, 'service');
  await mkdir(configDir, { recursive: true });
  await mkdir(elsewhere, { recursive: true });
  await writePackage(dir, '@acme/router', { version: '1.4.2' });
  await writePackage(dir, 'plain-router', { version: '0.3.0', exports: { '.': { import: './dist/index.js' } } });
  await writePackage(dir, 'no-version', {});
  await writePackage(elsewhere, 'only-beside-service', { version: '9.9.9' });
  await writeFile(join(configDir, 'router.mjs'), 'export default () => ({ calculate: () => "x" });\n');
  await utimes(join(configDir, 'router.mjs'), new Date('2025-03-01T10:00:00Z'), new Date('2025-03-01T10:00:00Z'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('packageNameOf', () => {
  it.each([
    ['pkg', 'pkg'],
    ['pkg/sub/path.js', 'pkg'],
    ['@scope/pkg', '@scope/pkg'],
    ['@scope/pkg/sub', '@scope/pkg'],
  ])('%s → %s', (specifier, name) => {
    expect(packageNameOf(specifier)).toBe(name);
  });
});

describe('describeModule', () => {
  it('gives a file module its absolute path and modification time', async () => {
    expect(await describeModule('./router.mjs', configDir)).toEqual({
      specifier: './router.mjs',
      kind: 'file',
      path: join(configDir, 'router.mjs'),
      mtime: '2025-03-01T10:00:00.000Z',
    });
  });

  it('accepts absolute paths and file: URLs', async () => {
    const file = join(configDir, 'router.mjs');
    expect(await describeModule(file, '/nowhere')).toMatchObject({ kind: 'file', path: file, mtime: '2025-03-01T10:00:00.000Z' });
    const url = pathToFileURL(file).href;
    expect(await describeModule(url, '/nowhere')).toMatchObject({ specifier: url, kind: 'file', path: file });
  });

  it('leaves the mtime out for a file that is gone', async () => {
    expect(await describeModule('./gone.mjs', configDir)).toEqual({ specifier: './gone.mjs', kind: 'file', path: join(configDir, 'gone.mjs') });
  });

  it('reads the version of a scoped package resolved from the config directory', async () => {
    expect(await describeModule('@acme/router', configDir)).toEqual({ specifier: '@acme/router', kind: 'package', name: '@acme/router', version: '1.4.2' });
  });

  it('reads the version of an import-only package and of a subpath specifier', async () => {
    expect(await describeModule('plain-router', configDir)).toMatchObject({ name: 'plain-router', version: '0.3.0' });
    expect(await describeModule('@acme/router/dist/index.js', configDir)).toMatchObject({ name: '@acme/router', version: '1.4.2' });
  });

  it('falls back to packages installed beside the service', async () => {
    expect(await describeModule('only-beside-service', configDir, elsewhere)).toMatchObject({ name: 'only-beside-service', version: '9.9.9' });
  });

  it('leaves the version out when there is none or the package is not installed', async () => {
    expect(await describeModule('no-version', configDir)).toEqual({ specifier: 'no-version', kind: 'package', name: 'no-version' });
    expect(await describeModule('not-installed-anywhere-xyz', configDir, elsewhere)).toEqual({
      specifier: 'not-installed-anywhere-xyz',
      kind: 'package',
      name: 'not-installed-anywhere-xyz',
    });
  });
});
