/**
 * Where a loaded router or metrics module came from, for the debug endpoints and `check`: a
 * package with its version (read from its package.json), or a file with its modification time.
 * Best effort: what cannot be found is left out; this never throws.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveModule } from './import-module.js';

/** A module loaded from a package. */
export interface PackageModuleDetails {
  /** The specifier as written in config. */
  readonly specifier: string;
  readonly kind: 'package';
  /** Package name (`pkg` or `@scope/pkg`). */
  readonly name: string;
  /** `version` of the package's package.json, when found. */
  readonly version?: string;
}

/** A module loaded from a file. */
export interface FileModuleDetails {
  /** The specifier as written in config. */
  readonly specifier: string;
  readonly kind: 'file';
  /** Absolute path of the file. */
  readonly path: string;
  /** Modification time (ISO 8601) when the module was loaded, when the file could be read. */
  readonly mtime?: string;
}

/** Where a loaded module came from. */
export type ModuleDetails = PackageModuleDetails | FileModuleDetails;

/** True for specifiers that name a file rather than a package (the rule `import-module.ts` uses). */
function isFileSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
}

/** `pkg` of `pkg/sub/path`, `@scope/pkg` of `@scope/pkg/sub`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

async function readPackageJson(file: string): Promise<{ name?: unknown; version?: unknown } | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as { name?: unknown; version?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** Walks up from `dir` to the package.json whose `name` is `name`. */
async function versionAbove(dir: string, name: string): Promise<string | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = await readPackageJson(join(d, 'package.json'));
    if (pkg?.name === name) return typeof pkg.version === 'string' ? pkg.version : undefined;
    if (dirname(d) === d) return undefined;
  }
}

/** Looks for `node_modules/<name>/package.json` from `dir` up to the root, as Node resolves packages. */
async function versionInNodeModules(dir: string, name: string): Promise<string | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = await readPackageJson(join(d, 'node_modules', name, 'package.json'));
    if (pkg?.name === name) return typeof pkg.version === 'string' ? pkg.version : undefined;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Describes the module `specifier` as resolved from `baseDir` (the config file's directory).
 * @param ownDir where the service itself is installed: packages not found from `baseDir` were
 *   imported from there. Defaults to this file's directory.
 */
export async function describeModule(specifier: string, baseDir: string, ownDir: string = dirname(fileURLToPath(import.meta.url))): Promise<ModuleDetails> {
  if (isFileSpecifier(specifier)) {
    const path = specifier.startsWith('file:') ? fileURLToPath(specifier) : resolve(baseDir, specifier);
    try {
      return { specifier, kind: 'file', path, mtime: (await stat(path)).mtime.toISOString() };
    } catch {
      return { specifier, kind: 'file', path };
    }
  }
  const name = packageNameOf(specifier);
  let version: string | undefined;
  try {
    const url = resolveModule(specifier, baseDir);
    if (url.startsWith('file:')) version = await versionAbove(dirname(fileURLToPath(url)), name);
  } catch {
    // not resolvable from baseDir: look in node_modules below
  }
  version ??= (await versionInNodeModules(baseDir, name)) ?? (await versionInNodeModules(ownDir, name));
  return version === undefined ? { specifier, kind: 'package', name } : { specifier, kind: 'package', name, version };
}
