/**
 * Parses YAML text into a validated, deeply frozen {@link Config}. Errors name the YAML path and
 * the line of each problem.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { EMBEDDED_DEFAULT_YAML } from './embedded-default.js';

/** One problem found in a config file. */
export interface ConfigProblem {
  /** YAML path, e.g. `rules[0].headers[1].prefix`. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
  /** 1-based line in the source, when known. */
  readonly line?: number;
}

/** A config that failed to load; `problems` lists each one with its path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `invalid config ${source}:\n` +
        problems.map((p) => `  ${p.path || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** A loaded config and where it came from. */
export interface LoadedConfig {
  readonly config: Config;
  /** File path, or `embedded default`. */
  readonly source: string;
  /** The YAML text it was parsed from (for hashing and debugging). */
  readonly text: string;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Freezes an object graph so a loaded config cannot be changed by anyone it is handed to. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** Parses and validates config YAML text. Throws {@link ConfigError}. */
export function parseConfig(text: string, source: string): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({ path: '', message: e.message.split('\n')[0] ?? e.message, line: e.linePos?.[0]?.line })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => {
        const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
        const offset = node?.range?.[0];
        const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
        const path = formatPath(issue.path);
        const message =
          issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : issue.message;
        return line === undefined ? { path, message } : { path, message, line };
      }),
    );
  }
  return { config: deepFreeze(result.data), source, text };
}

/** Reads and parses a config file. Throws {@link ConfigError} (also when the file cannot be read). */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file);
}

/** The embedded default configuration. */
export function loadEmbeddedDefault(): LoadedConfig {
  return parseConfig(EMBEDDED_DEFAULT_YAML, 'embedded default');
}
