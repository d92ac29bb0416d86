/**
 * The ledger's spill file: records the database could not take (store down, queue full) are
 * appended as JSON lines and replayed later. Append-only while in use; removed once every line
 * has been written to the database. Every operation is serialised, so an append never races a
 * replay. A line that does not parse (a torn last line after a crash) is counted and skipped.
 */
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { isLedgerRecord, type LedgerRecord } from './ledger-record.js';

/** The spill file at one path. */
export class SpillFile {
  private chain: Promise<unknown> = Promise.resolve();
  private lines = 0;

  constructor(readonly path: string) {}

  /** Records in the file (after {@link init}, exact for this process's own appends). */
  get size(): number {
    return this.lines;
  }

  /** Counts the lines a previous process left. */
  init(): Promise<void> {
    return this.serial(async () => {
      this.lines = 0;
      for (const file of [this.path, `${this.path}.replaying`]) {
        if (!(await exists(file))) continue;
        for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line.trim()) this.lines++;
      }
    });
  }

  /** Appends records (one JSON line each). */
  append(records: readonly LedgerRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.serial(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, records.map((r) => JSON.stringify(r) + '\n').join(''), { mode: 0o600 });
      this.lines += records.length;
    });
  }

  /**
   * Replays the file in batches through `write`; removes it when every batch was written. A
   * failing `write` stops the replay and keeps the file (already written records are skipped
   * by the idempotent insert next time). Resolves with the records written and lines skipped.
   */
  replay(batchSize: number, write: (batch: LedgerRecord[]) => Promise<void>): Promise<{ written: number; skipped: number }> {
    return this.serial(async () => {
      if (!(await exists(this.path)) && !(await exists(`${this.path}.replaying`))) {
        this.lines = 0;
        return { written: 0, skipped: 0 };
      }
      // Move the file aside first: what is appended during the replay goes to a fresh file.
      const replaying = `${this.path}.replaying`;
      if (!(await exists(replaying))) await rename(this.path, replaying);
      else await this.mergeInto(replaying);
      let written = 0;
      let skipped = 0;
      let batch: LedgerRecord[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        await write(batch);
        written += batch.length;
        batch = [];
      };
      try {
        for await (const line of createInterface({ input: createReadStream(replaying), crlfDelay: Infinity })) {
          if (!line.trim()) continue;
          let parsed: unknown;
          try {
            parsed = JSON.parse(line);
          } catch {
            parsed = undefined;
          }
          if (!isLedgerRecord(parsed)) {
            skipped++;
            continue;
          }
          batch.push(parsed);
          if (batch.length >= batchSize) await flush();
        }
        await flush();
      } catch (err) {
        // Put the unreplayed file back in front of what was appended meanwhile.
        await this.mergeBack(replaying);
        throw err;
      }
      await rm(replaying, { force: true });
      // Operations are serialised, so nothing was appended meanwhile: the file is gone.
      this.lines = 0;
      return { written, skipped };
    });
  }

  /** Waits for pending operations. */
  idle(): Promise<void> {
    return this.serial(async () => undefined);
  }

  private async mergeInto(replaying: string): Promise<void> {
    // A crash during an earlier replay left `replaying`: add the current file's lines to it.
    if (!(await exists(this.path))) return;
    await appendFile(replaying, await readAll(this.path));
    await rm(this.path, { force: true });
  }

  private async mergeBack(replaying: string): Promise<void> {
    if (await exists(this.path)) await appendFile(replaying, await readAll(this.path));
    await rename(replaying, this.path);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function readAll(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
