/**
 * The options a module's factory gets: `router.options` / `metrics.options` as given, or, when the
 * module exports `optionsSchema`, the schema's output (see `options-schema.ts`).
 */
import { ModuleLoadError } from './import-module.js';
import { isOptionsSchema, validateModuleOptions, type OptionsLocation } from './options-schema.js';

/**
 * Returns the options to hand a module's factory: `options` as given without a schema, else what
 * `optionsSchema` (the module's export of that name) makes of them. Throws naming the module and
 * each bad option.
 */
export async function moduleOptions(optionsSchema: unknown, options: unknown, at: OptionsLocation): Promise<unknown> {
  if (optionsSchema === undefined) return options;
  if (!isOptionsSchema(optionsSchema)) {
    throw new ModuleLoadError(at.specifier, 'optionsSchema must be a schema with a "~standard" validate function (a zod schema, say)');
  }
  return validateModuleOptions(optionsSchema, options, at);
}
