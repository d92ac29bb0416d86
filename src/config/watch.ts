/**
 * Watches a config file for changes — including Kubernetes ConfigMap updates, which swap a
 * `..data` symlink in the file's directory rather than writing the file — and calls back once
 * per burst of changes (debounced).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';

/** Watch options. */
export interface WatchOptions {
  readonly logger: Logger;
  /** Called after changes settle and the file's content differs from the last one seen. */
  readonly onChange: () => Promise<void>;
  /** Quiet period before reloading, ms (default 250). */
  readonly debounceMs?: number;
  /**
   * The text the current config was loaded from. Changes are compared with it, and the file is
   * checked once as the watch starts, so a change made between the load and the watch is not
   * missed. Without it the file is read once when the watch starts and that text is the baseline.
   */
  readonly initialText?: string;
}

/** A running watch. */
export interface ConfigWatch {
  close(): void;
}

/**
 * Watches the directory of `file` (a file watch loses track when a symlink swap replaces the
 * file) and reloads when the file's content changes.
 */
export function watchConfigFile(file: string, opts: WatchOptions): ConfigWatch {
  const debounceMs = opts.debounceMs ?? 250;
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let lastText: string | undefined = opts.initialText;
  let closed = false;
  // Checks run one after another, after the initial read: a change is compared with what was loaded.
  let running: Promise<void> =
    lastText !== undefined
      ? Promise.resolve()
      : readFile(file, 'utf8').then(
          (t) => {
            lastText = t;
          },
          () => undefined,
        );

  /** `quiet`: no debug line when the content is unchanged (the check made as the watch starts). */
  const check = (quiet = false) => {
    running = running
      .then(async () => {
        if (closed) return;
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          opts.logger.warn({ err, file }, 'config file unreadable; keeping the current config');
          return;
        }
        if (closed) return;
        if (text === lastText) {
          if (!quiet) opts.logger.debug({ file }, 'config file touched, content unchanged; not reloading');
          return;
        }
        lastText = text;
        await opts.onChange();
      })
      // A failing onChange must not stop later reloads (nor surface as an unhandled rejection).
      .catch((err: unknown) => opts.logger.warn({ err, file }, 'config reload failed; keeping the current config'));
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(file), (_event, changed) => {
      // ConfigMap swaps touch `..data` / `..2024_…` entries, not the file name itself.
      if (changed && changed !== name && !String(changed).startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(check, debounceMs);
    });
  } catch (err) {
    opts.logger.warn({ err, file }, 'cannot watch the config file; hot reload is off');
    return { close: () => undefined };
  }
  watcher.on('error', (err) => opts.logger.warn({ err, file }, 'config watch failed; hot reload is off'));
  // Catch up with a change written after the config was loaded but before the watch began,
  // debounced like any change (an edit arriving now replaces this check with its own).
  if (opts.initialText !== undefined) timer = setTimeout(() => check(true), debounceMs);
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
