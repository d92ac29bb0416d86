/**
 * Options schemas of router and metrics modules. A module may export `optionsSchema` beside its
 * default factory: any schema implementing the Standard Schema interface (zod, valibot, ArkType
 * schemas do). The loader validates `router.options` / `metrics.options` with it when the config
 * loads, reports every problem with its config path and line, and hands the factory the
 * validated value (defaults applied) instead of the raw options.
 */
import { lineOfConfigPath } from '../config/config-lines.js';
import type { ConfigProblem } from '../config/load.js';
import { ModuleLoadError } from './import-module.js';

/** One problem a schema found. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** A schema's verdict: the value it produced, or its issues. */
export type SchemaResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly SchemaIssue[] };

/**
 * The part of the Standard Schema v1 interface the loader uses: what `optionsSchema` must be.
 * Every zod 4 schema is one (`z.object({ … })`).
 */
export interface OptionsSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => SchemaResult<Output> | Promise<SchemaResult<Output>>;
  };
}

/** Options a module's schema refused: each problem with its config path and line. */
export class ModuleOptionsError extends ModuleLoadError {
  constructor(
    specifier: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(specifier, `invalid options:\n${problems.map((p) => `  ${p.path}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`).join('\n')}`);
    this.name = 'ModuleOptionsError';
  }
}

/** True when `value` looks like an {@link OptionsSchema}. */
export function isOptionsSchema(value: unknown): value is OptionsSchema {
  const std = (value as { '~standard'?: { validate?: unknown } } | null | undefined)?.['~standard'];
  return typeof std === 'object' && std !== null && typeof std.validate === 'function';
}

function formatIssuePath(base: string, path: SchemaIssue['path']): string {
  let out = base;
  for (const part of path ?? []) {
    const key = typeof part === 'object' && part !== null ? part.key : part;
    out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/** Where the options being validated sit in the config. */
export interface OptionsLocation {
  /** The module specifier, for messages. */
  readonly specifier: string;
  /** `router.options` or `metrics.options`. */
  readonly path: string;
  /** The config's YAML text, for line numbers (none without it). */
  readonly configText?: string | undefined;
}

/**
 * Validates `options` with `schema`; resolves with the schema's output, or throws
 * {@link ModuleOptionsError} listing every issue with its config path and line.
 */
export async function validateModuleOptions(schema: OptionsSchema, options: unknown, at: OptionsLocation): Promise<unknown> {
  let result: SchemaResult<unknown>;
  try {
    result = await schema['~standard'].validate(options);
  } catch (err) {
    throw new ModuleLoadError(at.specifier, `optionsSchema threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!result.issues) return result.value;
  const problems = result.issues.map((issue): ConfigProblem => {
    const path = formatIssuePath(at.path, issue.path);
    const line = at.configText === undefined ? undefined : lineOfConfigPath(at.configText, path);
    return line === undefined ? { path, message: issue.message } : { path, message: issue.message, line };
  });
  throw new ModuleOptionsError(at.specifier, problems);
}
