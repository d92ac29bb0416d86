/**
 * Secret files (provider API keys, AWS credential files) read once and re-read when they change.
 * A Kubernetes Secret volume swaps a `..data` symlink in the file's directory instead of writing
 * the file, so the directory is watched (as the config watch does). One watch per directory,
 * shared by every config generation; `close()` ends them all.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

/** Options of {@link SecretFiles}. */
export interface SecretFilesOptions {
  readonly logger: Logger;
  /** Quiet period after a change before re-reading, ms (default 100). */
  readonly debounceMs?: number;
}

interface Entry {
  value: string | undefined;
  /** Resolves after the next re-read (tests and callers that must see a rotation). */
  waiters: Array<() => void>;
}

/** Current contents of secret files, kept fresh by directory watches. */
export class SecretFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly opts: SecretFilesOptions) {}

  /**
   * The file's content with surrounding whitespace trimmed (a trailing newline is common in
   * Secrets), or undefined when it cannot be read (logged, without the content).
   */
  get(file: string): string | undefined {
    const path = resolve(file);
    let entry = this.entries.get(path);
    if (!entry) {
      entry = { value: this.readNow(path), waiters: [] };
      this.entries.set(path, entry);
      this.watchDir(dirname(path));
    }
    return entry.value;
  }

  /** Resolves after `file` has been re-read because of a change (for rotation tests). */
  nextReload(file: string): Promise<void> {
    const entry = this.entries.get(resolve(file));
    if (!entry) return Promise.resolve();
    return new Promise((res) => entry.waiters.push(res));
  }

  /** Stops every watch. */
  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    for (const t of this.timers.values()) clearTimeout(t);
    this.watchers.clear();
  }

  private readNow(path: string): string | undefined {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      this.opts.logger.warn({ file: path, code: (err as NodeJS.ErrnoException).code }, 'credential file unreadable');
      return undefined;
    }
  }

  private watchDir(dir: string): void {
    if (this.closed || this.watchers.has(dir)) return;
    try {
      const w = watch(dir, (_event, changed) => this.changed(dir, changed ? String(changed) : undefined));
      w.on('error', (err) => this.opts.logger.warn({ err, dir }, 'credential directory watch failed'));
      w.unref();
      this.watchers.set(dir, w);
    } catch (err) {
      this.opts.logger.warn({ err, dir }, 'cannot watch credential directory; rotations need a restart');
    }
  }

  private changed(dir: string, name: string | undefined): void {
    const targets = [...this.entries.keys()].filter(
      (p) => dirname(p) === dir && (name === undefined || name === basename(p) || name.startsWith('..')),
    );
    for (const path of targets) {
      clearTimeout(this.timers.get(path));
      const timer = setTimeout(() => void this.reread(path), this.opts.debounceMs ?? 100);
      timer.unref();
      this.timers.set(path, timer);
    }
  }

  private async reread(path: string): Promise<void> {
    const entry = this.entries.get(path);
    if (!entry || this.closed) return;
    try {
      const value = (await readFile(path, 'utf8')).trim();
      if (value !== entry.value) this.opts.logger.info({ file: path }, 'credential file changed; using the new value');
      entry.value = value;
    } catch (err) {
      // Keep the last good value: a rotation that briefly removes the file must not drop traffic.
      this.opts.logger.warn({ file: path, code: (err as NodeJS.ErrnoException).code }, 'credential file unreadable; keeping the last value');
    }
    const waiters = entry.waiters.splice(0);
    for (const w of waiters) w();
  }
}
