/**
 * Reading a config file for a hot reload, so that a reload never applies a config no one wrote
 * whole. Editors, `kubectl cp`, `cat > config.yaml` and many deploy tools rewrite a file in
 * place: truncate it, then write the new text, possibly in several writes. A reload reading in
 * between sees an empty file (a valid YAML document: every default, zero rules, 404 for every
 * request) or a prefix of the new text. So on reload:
 *
 * 1. the file is read, then read again after `settleMs`; only when two consecutive reads agree
 *    (same text, size and modification time) is the text used — a file still being written is
 *    read again until it holds still (at most `maxWaitMs`, then the reload is refused);
 * 2. a file with no content (empty, or only blank lines and comments) is refused: it is what a
 *    truncating writer leaves, never a config someone meant.
 *
 * A refused reload keeps the current config; the next change to the file triggers a new one.
 * Writers that replace the file atomically (write a temporary file, then rename it over the
 * config, as Kubernetes ConfigMap volumes do) never expose a partial file at all; a writer that
 * pauses longer than `settleMs` in the middle of a rewrite can still expose a prefix that is
 * valid YAML — which is why atomic replacement is the recommended way to change the file.
 */
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, parseConfig, type LoadedConfig } from './load.js';

/** Default quiet period between the two reads, ms. */
export const DEFAULT_RELOAD_SETTLE_MS = 200;

/** Options of {@link loadConfigForReload}. */
export interface ReloadReadOptions {
  /** How long the file must hold still between two reads, ms. */
  readonly settleMs: number;
  /** Give up (refuse the reload) when the file is still changing after this long, ms (default 20 × settleMs, at least 5 s). */
  readonly maxWaitMs?: number;
  /** Waits `ms` (tests may speed time up). */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Snapshot {
  readonly text: string;
  readonly size: number;
  readonly mtimeMs: number;
}

async function snapshot(file: string): Promise<Snapshot> {
  try {
    const before = await stat(file);
    const text = await readFile(file, 'utf8');
    return { text, size: before.size, mtimeMs: before.mtimeMs };
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
}

const same = (a: Snapshot, b: Snapshot): boolean => a.text === b.text && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** True when `text` holds no YAML content: empty, blank lines, comments, document markers. */
export function isBlankConfig(text: string): boolean {
  return text.split(/\r?\n/).every((line) => /^\s*(#.*)?$/.test(line) || /^(---|\.\.\.)\s*$/.test(line));
}

/**
 * Reads `file` once it holds still (two reads `settleMs` apart agree) and parses it; throws
 * {@link ConfigError} when it cannot be read, never holds still within `maxWaitMs`, is blank,
 * or is not a valid config.
 */
export async function loadConfigForReload(file: string, opts: ReloadReadOptions): Promise<LoadedConfig> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxWaitMs = opts.maxWaitMs ?? Math.max(5_000, 20 * opts.settleMs);
  const started = Date.now();
  let previous = await snapshot(file);
  for (;;) {
    await sleep(opts.settleMs);
    const next = await snapshot(file);
    if (same(previous, next)) break;
    if (Date.now() - started >= maxWaitMs) {
      throw new ConfigError(file, [{ path: '', message: `the file was still changing after ${maxWaitMs} ms; not reloading a partly written config` }]);
    }
    previous = next;
  }
  if (isBlankConfig(previous.text)) {
    throw new ConfigError(file, [{ path: '', message: 'the file is empty (a writer truncated it?); keeping the current config until it holds a config' }]);
  }
  return parseConfig(previous.text, file);
}
