/**
 * Writes ledger records off the request path: `push` only queues (bounded); a timer writes the
 * queue in batches. When the queue is full, or the database fails, records go to the spill file
 * instead; after the next successful write the spill file is replayed. `close()` writes what is
 * queued, or spills it. Nothing is dropped: a spill that fails keeps the records in memory.
 */
import type { Logger } from 'pino';
import type { SqlDb } from '../storage/sql-db.js';
import { insertRecords } from './ledger-sql.js';
import type { LedgerRecord } from './ledger-record.js';
import type { SpillFile } from './spill-file.js';

/** Options of {@link LedgerWriter}. */
export interface LedgerWriterOptions {
  /** The database (opened on first need; a rejection counts as an outage). */
  db(): Promise<SqlDb>;
  readonly spill: SpillFile;
  readonly logger: Logger;
  /** Records held in memory before they spill. */
  readonly maxQueue: number;
  /** Records per INSERT. */
  readonly batchSize: number;
  /** How often the queue is written (0: only on `flush()`). */
  readonly flushIntervalMs: number;
  /** Called with records once they are in the database. */
  readonly onWritten?: (records: readonly LedgerRecord[]) => void;
}

/** The ledger's batching writer. */
export class LedgerWriter {
  private queue: LedgerRecord[] = [];
  private spilling = 0;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private down = false;
  private closed = false;

  constructor(private readonly opts: LedgerWriterOptions) {
    if (opts.flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.flush(), opts.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Records not yet in the database: queued, being spilled, and in the spill file. */
  get backlog(): number {
    return this.queue.length + this.spilling + this.opts.spill.size;
  }

  /** Queues a record (never blocks, never throws). */
  push(record: LedgerRecord): void {
    this.queue.push(record);
    if (this.closed || this.queue.length >= this.opts.maxQueue) void this.spillRecords(this.queue.splice(0));
  }

  /** Writes the queue, then replays the spill file; resolves when done (never rejects). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer, writes (or spills) what is queued and waits for the spill file. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
    if (this.queue.length > 0) await this.spillRecords(this.queue.splice(0));
    await this.opts.spill.idle();
  }

  private async write(): Promise<void> {
    let db: SqlDb;
    try {
      db = await this.opts.db();
    } catch (err) {
      return this.outage(err);
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.batchSize);
      try {
        await insertRecords(db, batch);
      } catch (err) {
        this.queue.unshift(...batch);
        return this.outage(err);
      }
      this.opts.onWritten?.(batch);
    }
    if (this.down) {
      this.down = false;
      this.opts.logger.info('ledger database reachable again; replaying spilled records');
    }
    if (this.opts.spill.size === 0) return;
    try {
      const { written, skipped } = await this.opts.spill.replay(this.opts.batchSize, async (batch) => {
        await insertRecords(db, batch);
        this.opts.onWritten?.(batch);
      });
      if (skipped > 0) this.opts.logger.warn({ skipped, path: this.opts.spill.path }, 'ledger spill file: unreadable lines skipped');
      this.opts.logger.info({ records: written }, 'ledger spill file replayed');
    } catch (err) {
      this.outage(err);
    }
  }

  private async outage(err: unknown): Promise<void> {
    if (!this.down) {
      this.down = true;
      this.opts.logger.error({ err }, `ledger database unavailable; spilling records to ${this.opts.spill.path}`);
    }
    await this.spillRecords(this.queue.splice(0));
  }

  private async spillRecords(records: LedgerRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.spilling += records.length;
    try {
      await this.opts.spill.append(records);
    } catch (err) {
      // Keep them: memory is the last place they can be.
      this.opts.logger.error({ err, records: records.length }, 'ledger spill file not writable; keeping records in memory');
      this.queue.unshift(...records);
    } finally {
      this.spilling -= records.length;
    }
  }
}
