/**
 * Loads the metrics hooks of a config generation: the built-in GenAI factory, or the user's module
 * named by `metrics.module`, which receives the built-in one to wrap or replace. The caller wraps
 * the result with `isolateMetrics` so a failing hook never breaks a request.
 */
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { importFactoryModule, ModuleLoadError } from '../modules/import-module.js';
import { moduleOptions } from '../modules/module-options.js';
import type { MetricsFactory, RequestMetricsFactory } from './request-metrics.js';

/** Dependencies of {@link loadMetricsFactory}. */
export interface LoadMetricsDeps {
  /** Directory relative module paths are resolved against (the config file's directory). */
  readonly baseDir: string;
  /** Meter handed to the module for its own instruments. */
  readonly meter: Meter;
  readonly logger: Logger;
  /** The whole config, handed to the module as `context.config`. */
  readonly config: Config;
  /** The built-in factory: returned when no module is set, else handed to the module. */
  readonly defaultFactory: RequestMetricsFactory;
  /** Appended to file URLs so a reload re-imports a changed module. */
  readonly cacheBust?: string;
  /** The config's YAML text: option errors then carry line numbers. */
  readonly configText?: string;
}

/**
 * Returns the metrics factory for `metrics` config. With `module` set, imports it, calls its
 * default export `(meter, context)`, awaits the result and checks it has a `newRequest` method.
 * Options are first validated by the module's `optionsSchema` export, when it has one.
 * Throws {@link ModuleLoadError} naming the module on any problem.
 */
export async function loadMetricsFactory(metrics: Config['metrics'], deps: LoadMetricsDeps): Promise<RequestMetricsFactory> {
  const specifier = metrics.module;
  if (!specifier) return deps.defaultFactory;
  const { factory: imported, exports } = await importFactoryModule(specifier, deps.baseDir, deps.cacheBust);
  const factory = imported as unknown as MetricsFactory<unknown>;
  const options = await moduleOptions(exports['optionsSchema'], metrics.options, { specifier, path: 'metrics.options', configText: deps.configText });
  let result: unknown;
  try {
    result = await factory(deps.meter, {
      config: deps.config,
      options,
      logger: deps.logger.child({ module: specifier }),
      defaultFactory: deps.defaultFactory,
    });
  } catch (err) {
    throw new ModuleLoadError(specifier, `metrics factory threw: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  if (typeof result !== 'object' || result === null || typeof (result as RequestMetricsFactory).newRequest !== 'function') {
    const got = result === null ? 'null' : typeof result;
    throw new ModuleLoadError(specifier, `metrics factory must return an object with a newRequest() method, got ${got === 'object' ? 'an object without newRequest()' : got}`);
  }
  return result as RequestMetricsFactory;
}
