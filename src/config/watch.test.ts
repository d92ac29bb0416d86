import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventEmitter, once } from 'node:events';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { watchConfigFile, type ConfigWatch } from './watch.js';

/** Filesystem events have no completion signal of their own: every wait is bounded. */
const EVENT_TIMEOUT_MS = 5000;
const DEBOUNCE_MS = 40;

let dir: string;
let watches: ConfigWatch[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-watch-'));
  watches = [];
});
afterEach(async () => {
  for (const w of watches) w.close();
  await rm(dir, { recursive: true, force: true });
});

/** A watch whose onChange calls and log lines are events a test can await. */
function observe(file: string, opts: { initialText?: string; debounceMs?: number; onChange?: () => Promise<void> } = {}) {
  const events = new EventEmitter();
  const changes: string[] = [];
  const logs: Array<{ level: string; msg: string }> = [];
  const logger = pino(
    { level: 'debug', formatters: { level: (label) => ({ level: label }) } },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { level: string; msg: string };
        logs.push(entry);
        events.emit('log', entry);
      },
    },
  );
  const watch = watchConfigFile(file, {
    logger,
    debounceMs: opts.debounceMs ?? DEBOUNCE_MS,
    ...(opts.initialText !== undefined ? { initialText: opts.initialText } : {}),
    onChange: async () => {
      changes.push(await readFile(file, 'utf8'));
      events.emit('change');
      await opts.onChange?.();
    },
  });
  watches.push(watch);
  const bounded = <T>(p: Promise<T>, what: string): Promise<T> =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), EVENT_TIMEOUT_MS).unref())]);
  return {
    watch,
    changes,
    logs,
    /** Resolves on the next onChange. */
    nextChange: () => bounded(once(events, 'change'), 'onChange'),
    /** Resolves on the next log line whose message contains `text`. */
    nextLog: (text: string) =>
      bounded(
        new Promise<void>((resolve) => {
          const on = (e: { msg: string }) => {
            if (e.msg.includes(text)) {
              events.off('log', on);
              resolve();
            }
          };
          events.on('log', on);
        }),
        `log "${text}"`,
      ),
  };
}

/** Writes `text` to config.yaml in the test directory and watches that file, told its text. */
async function watchNewFile(text: string, opts: { onChange?: () => Promise<void> } = {}) {
  const file = join(dir, 'config.yaml');
  await writeFile(file, text);
  return { file, w: observe(file, { initialText: text, ...opts }) };
}

describe('watchConfigFile', () => {
  it('calls onChange once for a burst of edits, after they settle', async () => {
    const { file, w } = await watchNewFile('v: 0\n');
    const first = w.nextChange();
    for (let i = 1; i <= 3; i++) writeFileSync(file, `v: ${i}\n`);
    await first;
    expect(w.changes).toEqual(['v: 3\n']); // never an intermediate version
    // A later edit is a new change (and proves no trailing call for the burst came in between).
    const second = w.nextChange();
    await writeFile(file, 'v: 4\n');
    await second;
    expect(w.changes).toEqual(['v: 3\n', 'v: 4\n']);
  });

  it('catches up with a change written after the config was loaded but before the watch began', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(file, 'v: 2\n'); // the service loaded 'v: 1', then the file changed
    const w = observe(file, { initialText: 'v: 1\n' });
    await w.nextChange();
    expect(w.changes).toEqual(['v: 2\n']);
    // Starting on an unchanged file says nothing and reloads nothing.
    const quiet = observe(file, { initialText: 'v: 2\n' });
    const later = quiet.nextChange();
    await writeFile(file, 'v: 3\n');
    await later;
    expect(quiet.changes).toEqual(['v: 3\n']);
    expect(quiet.logs.filter((l) => l.msg.includes('content unchanged'))).toEqual([]);
  });

  it('does not call onChange when the content is unchanged', async () => {
    const { file, w } = await watchNewFile('same: true\n');
    const unchanged = w.nextLog('content unchanged');
    await writeFile(file, 'same: true\n');
    await unchanged;
    expect(w.changes).toEqual([]);
    const changed = w.nextChange();
    await writeFile(file, 'same: false\n');
    await changed;
    expect(w.changes).toEqual(['same: false\n']);
  });

  it('reads the initial content itself when not given it', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(file, 'a: 1\n');
    const w = observe(file);
    const unchanged = w.nextLog('content unchanged');
    // Touch, not rewrite: a rewrite could be caught half-written by the watch's own first read.
    const now = new Date();
    await utimes(file, now, now);
    await unchanged;
    expect(w.changes).toEqual([]);
  });

  it('ignores other files in the directory', async () => {
    const { file, w } = await watchNewFile('a: 1\n');
    const changed = w.nextChange();
    await writeFile(join(dir, 'other.yaml'), 'noise: 1\n'); // must not schedule a check…
    await writeFile(file, 'a: 2\n'); // …this must
    await changed;
    expect(w.changes).toEqual(['a: 2\n']);
    expect(w.logs.filter((l) => l.msg.includes('unchanged'))).toEqual([]);
  });

  describe('a Kubernetes ConfigMap volume', () => {
    /** Lays out a ConfigMap volume: `..<ts>/config.yaml`, `..data → ..<ts>`, `config.yaml → ..data/config.yaml`. */
    async function configMap(text: string): Promise<string> {
      await mkdir(join(dir, '..2024_01_01_00_00_00.1'));
      await writeFile(join(dir, '..2024_01_01_00_00_00.1', 'config.yaml'), text);
      await symlink('..2024_01_01_00_00_00.1', join(dir, '..data'));
      await symlink('..data/config.yaml', join(dir, 'config.yaml'));
      return join(dir, 'config.yaml');
    }

    /** What the kubelet does on update: new timestamped dir, `..data_tmp` symlink renamed over `..data`, old dir removed. */
    async function swap(ts: string, text: string, old: string): Promise<void> {
      await mkdir(join(dir, ts));
      await writeFile(join(dir, ts, 'config.yaml'), text);
      await symlink(ts, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await rm(join(dir, old), { recursive: true });
    }

    it('calls onChange when ..data is swapped to a new version', async () => {
      const file = await configMap('version: 1\n');
      const w = observe(file, { initialText: 'version: 1\n' });
      const changed = w.nextChange();
      await swap('..2024_01_01_00_05_00.2', 'version: 2\n', '..2024_01_01_00_00_00.1');
      await changed;
      expect(w.changes).toEqual(['version: 2\n']);
      // And again: the watch survives the swap.
      const again = w.nextChange();
      await swap('..2024_01_01_00_10_00.3', 'version: 3\n', '..2024_01_01_00_05_00.2');
      await again;
      expect(w.changes).toEqual(['version: 2\n', 'version: 3\n']);
    });

    it('does not call onChange when the swapped version has the same content', async () => {
      const file = await configMap('version: 1\n');
      const w = observe(file, { initialText: 'version: 1\n' });
      const unchanged = w.nextLog('content unchanged');
      await swap('..2024_01_01_00_05_00.2', 'version: 1\n', '..2024_01_01_00_00_00.1');
      await unchanged;
      expect(w.changes).toEqual([]);
    });
  });

  it('keeps watching after onChange fails', async () => {
    let calls = 0;
    const { file, w } = await watchNewFile('n: 0\n', {
      onChange: async () => {
        calls += 1;
        if (calls === 1) throw new Error('reload blew up');
      },
    });
    const failed = w.nextLog('config reload failed');
    await writeFile(file, 'n: 1\n');
    await failed;
    const next = w.nextChange();
    await writeFile(file, 'n: 2\n');
    await next;
    expect(w.changes).toEqual(['n: 1\n', 'n: 2\n']);
  });

  it('keeps the current config while the file is missing, and reloads when it is back', async () => {
    const { file, w } = await watchNewFile('x: 1\n');
    const unreadable = w.nextLog('config file unreadable');
    await unlink(file);
    await unreadable;
    const back = w.nextChange();
    await writeFile(file, 'x: 2\n');
    await back;
    expect(w.changes).toEqual(['x: 2\n']);
  });

  it('stops calling onChange once closed', async () => {
    const { file, w: closedWatch } = await watchNewFile('c: 0\n');
    closedWatch.watch.close();
    // A witness with a longer quiet period: when it has reloaded, the closed one would have too.
    const witness = observe(file, { initialText: 'c: 0\n', debounceMs: DEBOUNCE_MS * 3 });
    const seen = witness.nextChange();
    await writeFile(file, 'c: 1\n');
    await seen;
    expect(closedWatch.changes).toEqual([]);
    expect(() => closedWatch.watch.close()).not.toThrow();
  });

  it('turns hot reload off, with a warning, when the directory does not exist', () => {
    const w = observe(join(dir, 'no-such-dir', 'config.yaml'));
    expect(w.logs.map((l) => [l.level, l.msg])).toEqual([['warn', 'cannot watch the config file; hot reload is off']]);
    expect(() => w.watch.close()).not.toThrow();
  });
});
