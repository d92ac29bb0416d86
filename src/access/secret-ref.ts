/**
 * Resolves a config secret reference (`{ filename }`, `{ env }` or `{ key }`). Files are read
 * on every call, so a rotated file applies without a restart; the environment is read through
 * an injected function (only the entry point touches the process).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SecretRef } from '../config/access-schema.js';

/** How secrets are read. */
export interface SecretSources {
  /** Reads an environment variable (absent: `{ env }` references are unset). */
  readonly readEnv?: (name: string) => string | undefined;
  /** Directory relative file names resolve against. */
  readonly baseDir: string;
}

/** The secret's value (surrounding whitespace trimmed), or undefined when unset or unreadable. */
export async function resolveSecretRef(ref: SecretRef, sources: SecretSources): Promise<string | undefined> {
  let value: string | undefined;
  if ('key' in ref) value = ref.key;
  else if ('env' in ref) value = sources.readEnv?.(ref.env);
  else value = await readFile(resolve(sources.baseDir, ref.filename), 'utf8').catch(() => undefined);
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Names where a reference points, never its value (for error messages). */
export function describeSecretRef(ref: SecretRef): string {
  if ('key' in ref) return 'the inline key';
  if ('env' in ref) return `environment variable ${ref.env}`;
  return `file ${ref.filename}`;
}
