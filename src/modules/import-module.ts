/**
 * Imports a user module (router or metrics) named in config: a file path (relative to the
 * config file's directory) or a package name. Returns its default export, with errors that
 * name the module.
 */
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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

/**
 * Resolves a specifier to an importable URL. Files are resolved against `baseDir`;
 * packages are resolved from `baseDir` too, so a config can use packages installed beside it.
 */
export function resolveModule(specifier: string, baseDir: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isFileSpecifier(specifier)) return pathToFileURL(resolve(baseDir, specifier)).href;
  try {
    const require = createRequire(resolve(baseDir, 'noop.js'));
    return pathToFileURL(require.resolve(specifier)).href;
  } catch {
    // ESM-only packages without a "require" condition: let import() resolve it.
    return specifier;
  }
}

/**
 * Imports `specifier` and returns its default export, checked to be a function.
 * @param cacheBust a token appended to file URLs so a reload picks up a changed file.
 */
export async function importFactory(specifier: string, baseDir: string, cacheBust?: string): Promise<(...args: never[]) => unknown> {
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
  return factory as (...args: never[]) => unknown;
}
