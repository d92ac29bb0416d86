/**
 * Builds the router for a config generation: the default header-match router, wrapped or
 * replaced by the user's module when `router.module` is set.
 */
import type { Logger } from 'pino';
import type { Meter } from '@opentelemetry/api';
import type { Config } from '../config/schema.js';
import { importFactoryModule, ModuleLoadError } from '../modules/import-module.js';
import { moduleOptions } from '../modules/module-options.js';
import { HeaderMatchRouter } from './header-match-router.js';
import type { Router, RouterFactory } from './router.js';

/** The routers of one config generation. */
export interface LoadedRouter {
  /** The router in charge. */
  readonly router: Router;
  /** The default router (also handed to the module). */
  readonly defaultRouter: Router;
  /** Module specifier when a custom router is loaded. */
  readonly module?: string;
}

/** Dependencies for loading a router module. */
export interface LoadRouterDeps {
  /** Directory relative module paths are resolved against (the config file's directory). */
  readonly baseDir: string;
  readonly logger: Logger;
  readonly meter: Meter;
  /** Appended to file URLs so a reload re-imports changed modules. */
  readonly cacheBust?: string;
  /** The config's YAML text: option errors then carry line numbers. */
  readonly configText?: string;
}

/**
 * Loads the router for `config`. Throws {@link ModuleLoadError} naming the module on any problem
 * (a `ModuleOptionsError` listing each option its `optionsSchema` refused, with path and line).
 */
export async function loadRouter(config: Config, deps: LoadRouterDeps): Promise<LoadedRouter> {
  const defaultRouter = new HeaderMatchRouter(config.rules, config.modelNameHeaderKey);
  const specifier = config.router.module;
  if (!specifier) return { router: defaultRouter, defaultRouter };
  const { factory: imported, exports } = await importFactoryModule(specifier, deps.baseDir, deps.cacheBust);
  const factory = imported as unknown as RouterFactory<unknown>;
  const options = await moduleOptions(exports['optionsSchema'], config.router.options, { specifier, path: 'router.options', configText: deps.configText });
  let router: unknown;
  try {
    router = await factory(defaultRouter, {
      config,
      options,
      logger: deps.logger.child({ module: specifier }),
      meter: deps.meter,
    });
  } catch (err) {
    throw new ModuleLoadError(specifier, `factory threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof router !== 'object' || router === null || typeof (router as Router).calculate !== 'function') {
    throw new ModuleLoadError(specifier, 'factory must return an object with a calculate(headers, request) method');
  }
  return { router: router as Router, defaultRouter, module: specifier };
}
