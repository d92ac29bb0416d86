/**
 * Imports a user module (router or metrics) named in config: a file path (relative to the
 * config file's directory) or a package name. Returns its default export, with errors that
 * name the module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exports as exportsOf, legacy } from 'resolve.exports';

/** A user module that could not be loaded or does not have the expected shape. */
export class ModuleLoadError extends Error {
  constructor(
    readonly specifier: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`module ${JSON.stringify(specifier)}: ${reason}`, options);
    this.name = 'ModuleLoadError';
  }
}

/** True for specifiers that name a file rather than a package. */
function isFileSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
}

/** Splits `@scope/name/sub` into the package name and the subpath (`.`, `./sub`). */
function packageParts(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const n = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(n).join('/');
  return { name: parts.slice(0, n).join('/'), subpath: rest ? `./${rest}` : '.' };
}

/**
 * Resolves a package the way `import` would from `baseDir`: the nearest
 * `node_modules/<name>` up the tree, then its `exports` with the `import` and `node`
 * conditions (or `module`/`main` without `exports`). Undefined when no such package is there.
 */
function resolveEsmPackage(specifier: string, baseDir: string): string | undefined {
  const { name, subpath } = packageParts(specifier);
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    let pkg: Record<string, unknown> | undefined;
    try {
      pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      pkg = undefined;
    }
    if (pkg) {
      const target = pkg['exports'] !== undefined ? exportsOf(pkg, subpath, { conditions: ['node'] })?.[0] : subpath === '.' ? (legacy(pkg, { fields: ['module', 'main'] }) ?? './index.js') : subpath;
      return target === undefined ? undefined : pathToFileURL(join(pkgDir, String(target))).href;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Resolves a specifier to an importable URL. Files are resolved against `baseDir`;
 * packages are resolved from `baseDir` too, so a config can use packages installed beside it,
 * CommonJS ones and ESM-only ones (whose `exports` have no `require` condition) alike.
 */
export function resolveModule(specifier: string, baseDir: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isFileSpecifier(specifier)) return pathToFileURL(resolve(baseDir, specifier)).href;
  try {
    const require = createRequire(resolve(baseDir, 'noop.js'));
    return pathToFileURL(require.resolve(specifier)).href;
  } catch {
    // ESM-only packages without a "require" condition: resolve their "import" export from
    // baseDir ourselves; failing that (a built-in, say), let import() resolve it.
    try {
      return resolveEsmPackage(specifier, baseDir) ?? specifier;
    } catch {
      return specifier;
    }
  }
}

/**
 * Imports `specifier` and returns its default export, checked to be a function.
 * @param cacheBust a token appended to file URLs so a reload picks up a changed file.
 */
export async function importFactory(specifier: string, baseDir: string, cacheBust?: string): Promise<(...args: never[]) => unknown> {
  return (await importFactoryModule(specifier, baseDir, cacheBust)).factory;
}

/** Like {@link importFactory}, also returning the module's other exports (e.g. an options schema). */
export async function importFactoryModule(
  specifier: string,
  baseDir: string,
  cacheBust?: string,
): Promise<{ factory: (...args: never[]) => unknown; exports: Readonly<Record<string, unknown>> }> {
  let url = resolveModule(specifier, baseDir);
  if (cacheBust && url.startsWith('file:')) url += `?v=${encodeURIComponent(cacheBust)}`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new ModuleLoadError(specifier, `cannot be imported: ${(err as Error).message}`, { cause: err });
  }
  const factory = mod['default'];
  if (typeof factory !== 'function') {
    throw new ModuleLoadError(specifier, `default export must be a factory function, got ${factory === null ? 'null' : typeof factory}`);
  }
  return { factory: factory as (...args: never[]) => unknown, exports: mod };
}
