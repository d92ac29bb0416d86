/**
 * The options a module's factory gets: `router.options` / `metrics.options` as given, or, when the
 * module exports `optionsSchema`, the schema's output (see `options-schema.ts`).
 */
import type { ModuleExports } from './import-module.js';
import { ModuleLoadError } from './import-module.js';
import { isOptionsSchema, validateModuleOptions, type OptionsLocation } from './options-schema.js';

/** Returns the options to hand the factory of `exports`; throws naming the module and each bad option. */
export async function moduleOptions(exports: ModuleExports, options: unknown, at: OptionsLocation): Promise<unknown> {
  if (exports.optionsSchema === undefined) return options;
  if (!isOptionsSchema(exports.optionsSchema)) {
    throw new ModuleLoadError(at.specifier, 'optionsSchema must be a schema with a "~standard" validate function (a zod schema, say)');
  }
  return validateModuleOptions(exports.optionsSchema, options, at);
}
