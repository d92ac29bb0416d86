/**
 * Response stores written as modules, loaded at runtime from `cache.store: { module, options }`
 * the way router, metrics and hook modules load (ESM or CommonJS, a path relative to the config
 * file's directory or a package name). The module's default export is a
 * {@link ResponseStoreFactory}; it may also export `optionsSchema` (any Standard Schema, as zod's
 * are) to have its options checked at load, each problem reported with its config path
 * (`cache.store.options.…`) and line.
 *
 * The store the factory returns is checked for the {@link ResponseStore} methods, then wrapped
 * (guarded-store.ts) so that nothing it does — a throw, a malformed entry, an answer that is not
 * a promise — can reach a request: the cache counts it as a store failure and the request goes
 * upstream as a miss.
 */
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { StoreModuleConfig } from '../config/cache-schema.js';
import { importFactoryModule, ModuleLoadError } from '../modules/import-module.js';
import { moduleOptions } from '../modules/module-options.js';
import { guardedStore } from './guarded-store.js';
import type { ResponseStore } from './response-store.js';

/** What a store module's factory gets. */
export interface ResponseStoreContext<Options = Readonly<Record<string, unknown>>> {
  /** `cache.store.options` (validated by the module's `optionsSchema` when it exports one). */
  readonly options: Options;
  /** A child logger named after the module. */
  readonly logger: Logger;
  readonly meter: Meter;
  /** The config file's directory (the process's for the embedded default): for the store's own relative paths. */
  readonly baseDir: string;
}

/**
 * A store module's default export. Called when a config naming the module is loaded, and again
 * when a reload changes the module, its options or its file; the store it returned before is
 * then closed once the requests using it are done.
 */
export type ResponseStoreFactory<Options = Readonly<Record<string, unknown>>> = (context: ResponseStoreContext<Options>) => ResponseStore | Promise<ResponseStore>;

/** What loading needs. */
export interface LoadStoreModuleDeps {
  /** Directory relative module paths resolve against (the config file's). */
  readonly baseDir: string;
  /** Appended to file URLs so that loading again imports a changed module afresh. */
  readonly cacheBust?: string;
  readonly logger: Logger;
  readonly meter: Meter;
  /** The config's YAML text, for the line of a bad option. */
  readonly configText?: string;
}

const STORE_METHODS = ['get', 'set', 'purge', 'stats', 'close'] as const;

function checkShape(specifier: string, store: unknown): asserts store is ResponseStore {
  if (typeof store !== 'object' || store === null) throw new ModuleLoadError(specifier, 'factory must return a response store object');
  const s = store as Record<string, unknown>;
  if (typeof s['kind'] !== 'string' || s['kind'] === '') throw new ModuleLoadError(specifier, 'the store must have a non-empty string kind');
  const missing = STORE_METHODS.filter((m) => typeof s[m] !== 'function');
  if (missing.length > 0) throw new ModuleLoadError(specifier, `the store lacks ${missing.join(', ')} (a store implements ${STORE_METHODS.join(', ')})`);
}

/**
 * Loads the store module `ref` names and opens its store, guarded. Throws {@link ModuleLoadError}
 * naming the module on any problem (its options, its factory, what the factory returned).
 */
export async function loadStoreModule(ref: StoreModuleConfig, deps: LoadStoreModuleDeps): Promise<ResponseStore> {
  const { factory, exports } = await importFactoryModule(ref.module, deps.baseDir, deps.cacheBust);
  const options = (await moduleOptions(exports['optionsSchema'], ref.options, { specifier: ref.module, path: 'cache.store.options', configText: deps.configText })) as Readonly<Record<string, unknown>>;
  const logger = deps.logger.child({ module: ref.module });
  let store: unknown;
  try {
    store = await (factory as unknown as ResponseStoreFactory)({ options, logger, meter: deps.meter, baseDir: deps.baseDir });
  } catch (err) {
    throw new ModuleLoadError(ref.module, `factory threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  checkShape(ref.module, store);
  return guardedStore(store);
}
