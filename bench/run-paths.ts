/**
 * Paths of repository files from the bench code, whether it runs from source (bench/*.ts under
 * tsx) or compiled (bench/out/build/bench/*.js).
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of `relative` (from the repository root). */
export function repoPath(relative: string): string {
  const up = import.meta.url.endsWith('.js') ? '../../../../' : '../';
  return fileURLToPath(new URL(`${up}${relative}`, import.meta.url));
}
