/**
 * Parses YAML text into a validated, deeply frozen {@link Config}. Errors name the YAML path and
 * the line of each problem.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { EMBEDDED_DEFAULT_YAML } from './embedded-default.js';
import { keysAt, nearestKey } from './key-suggestions.js';

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

/** "unknown key", with the nearest valid key when one is near enough to be a slip. */
function unknownKeyMessage(key: string, valid: readonly string[]): string {
  const near = nearestKey(key, valid);
  return near === undefined ? 'unknown key' : `unknown key: did you mean \`${near}\`?`;
}

/** Parses and validates config YAML text. Throws {@link ConfigError}. */
export function parseConfig(text: string, source: string): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const message = e.message.split('\n')[0] ?? e.message;
        const key = e.code === 'DUPLICATE_KEY' ? /^(?:"[^"]*"|'[^']*'|[^\s:,{}[\]]+)/.exec(text.slice(e.pos[0]))?.[0] : undefined;
        const at = key ? ` (${key})` : '';
        return { path: '', message: `${message}${at}`, line: lineCounter.linePos(e.pos[0]).line };
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lineOf = (path: ReadonlyArray<PropertyKey>, key?: string): number | undefined => {
      // The node at `path`, else its nearest ancestor (a missing key has no node of its own).
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as
          | { range?: [number, number, number]; items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> }
          | undefined;
        const keyNode = n === path.length && key !== undefined ? node?.items?.find((p) => p.key?.value === key)?.key : undefined;
        const offset = keyNode?.range?.[0] ?? node?.range?.[0];
        if (offset !== undefined) return lineCounter.linePos(offset).line;
      }
      return undefined;
    };
    const problem = (path: ReadonlyArray<PropertyKey>, message: string, key?: string): ConfigProblem => {
      const line = lineOf(path, key);
      const full = formatPath(key === undefined ? path : [...path, key]);
      return line === undefined ? { path: full, message } : { path: full, message, line };
    };
    throw new ConfigError(
      source,
      result.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => problem(issue.path, unknownKeyMessage(key, keysAt(configSchema, issue.path)), key))
          : [problem(issue.path, issue.message)],
      ),
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
